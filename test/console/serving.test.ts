/**
 * How the server serves the console: the built files only, under /_pinrec/console/, with a strict
 * Content-Security-Policy and framing refused on every response; compressed when asked; and
 * nothing at all with `console: false` (`pinrec serve --console off`, PINREC_CONSOLE=off).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { gunzipSync } from "node:zlib";
import { request } from "node:http";
import { CONSOLE_CSP } from "../../src/server/console-routes.js";
import { startTestServer, tempDir, type TestServer } from "../helpers.js";
import { REPO, runCli } from "../server-process.js";

/** A raw GET (fetch would decompress and hide Content-Encoding). */
function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("serving the console", () => {
  let server: TestServer;
  const built = () => readFileSync(join(REPO, "dist", "console", "index.html"), "utf8");

  beforeAll(async () => {
    if (!existsSync(join(REPO, "dist", "console", "index.html")))
      throw new Error("dist/console/ is not built: run `npm run build` (npm test does it first)");
    server = await startTestServer("sqlite");
  });
  afterAll(() => server.dispose());

  test("the page, its script and its styles, each with the security headers", async () => {
    const page = await get(`${server.url}/_pinrec/console/`);
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.body.toString()).toBe(built());
    const assets = [...built().matchAll(/(?:src|href)="(\/_pinrec\/console\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.some((a) => a.endsWith(".js")) && assets.some((a) => a.endsWith(".css"))).toBe(true);
    for (const res of [page, ...(await Promise.all(assets.map((a) => get(`${server.url}${a}`))))]) {
      expect(res.status).toBe(200);
      expect(res.headers["content-security-policy"]).toBe(CONSOLE_CSP);
      expect(res.headers["x-frame-options"]).toBe("DENY");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["referrer-policy"]).toBe("no-referrer");
    }
    expect(page.headers["cache-control"]).toBe("no-cache");
    const script = await get(`${server.url}${assets.find((a) => a.endsWith(".js"))}`);
    expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(script.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    // The page itself carries no inline script or style for the policy to have to allow.
    expect(built()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(built()).not.toMatch(/<style|style="/);
  });

  test("the policy: this origin only, no inline script, no framing by anyone", () => {
    const directives = new Map(CONSOLE_CSP.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1)]));
    expect(directives.get("default-src")).toEqual(["'none'"]);
    expect(directives.get("script-src")).toEqual(["'self'"]);
    expect(directives.get("connect-src")).toEqual(["'self'"]);
    expect(directives.get("img-src")).toEqual(["'self'", "data:"]);
    expect(directives.get("frame-ancestors")).toEqual(["'none'"]);
    expect(directives.get("object-src")).toEqual(["'none'"]);
    expect(directives.get("base-uri")).toEqual(["'none'"]);
  });

  test("gzip when the browser accepts it; the same bytes once decompressed", async () => {
    const plain = await get(`${server.url}/_pinrec/console/`);
    const js = [...built().matchAll(/src="([^"]+\.js)"/g)][0][1];
    const raw = await get(`${server.url}${js}`);
    const zipped = await get(`${server.url}${js}`, { "accept-encoding": "gzip, deflate" });
    expect(raw.headers["content-encoding"]).toBeUndefined();
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(zipped.headers.vary).toBe("Accept-Encoding");
    expect(gunzipSync(zipped.body).equals(raw.body)).toBe(true);
    expect(zipped.body.length).toBeLessThan(raw.body.length / 2);
    expect(plain.status).toBe(200);
  });

  test("the address without its slash redirects; anything not built is a 404, never a file from elsewhere", async () => {
    const bare = await get(`${server.url}/_pinrec/console`);
    expect(bare.status).toBe(308);
    expect(bare.headers.location).toBe("/_pinrec/console/");
    for (const path of [
      "/_pinrec/console/nope.js",
      "/_pinrec/console/assets/",
      "/_pinrec/console/%2e%2e/%2e%2e/package.json",
      "/_pinrec/console/..%2f..%2fpackage.json",
      "/_pinrec/console/src/main.tsx",
    ]) {
      const res = await get(`${server.url}${path}`);
      expect([400, 404], path).toContain(res.status);
      expect(res.headers["x-amzn-errortype"], path).toMatch(/NotFoundException|BadRequestException/);
      expect(res.body.toString(), path).not.toContain("pinrec@");
    }
  });

  test("console: false serves nothing there (404 as for any unknown path)", async () => {
    const off = await startTestServer("sqlite", { console: false });
    try {
      for (const path of ["/_pinrec/console/", "/_pinrec/console"]) {
        const res = await get(`${off.url}${path}`);
        expect(res.status, path).toBe(404);
        expect(res.headers["x-amzn-errortype"]).toBe("NotFoundException");
      }
    } finally {
      await off.dispose();
    }
  });

  test('--console off, PINREC_CONSOLE=off and a config file\'s "console": false all turn it off', async () => {
    const flag = await runCli(["serve", "--print-config", "--console", "off"]);
    expect(flag.code, flag.stderr).toBe(0);
    expect(JSON.parse(flag.stdout).console).toBe(false);
    const env = await runCli(["serve", "--print-config"], { env: { PINREC_CONSOLE: "off" } });
    expect(JSON.parse(env.stdout).console).toBe(false);
    expect(env.stderr).toMatch(/console\s+from env PINREC_CONSOLE/);
    const dir = tempDir("pinrec-console-config-");
    try {
      const config = join(dir.path, "pinrec.json");
      writeFileSync(config, JSON.stringify({ console: false }));
      const file = await runCli(["serve", "--print-config", "--config", config]);
      expect(JSON.parse(file.stdout).console).toBe(false);
    } finally {
      dir.remove();
    }
    const byDefault = await runCli(["serve", "--print-config"]);
    expect(JSON.parse(byDefault.stdout).console).toBe(true);
    const wrong = await runCli(["serve", "--print-config", "--console", "maybe"]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/console/);
  });
});
