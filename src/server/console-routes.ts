/**
 * The web console: the single-page app built from `console/` (Vite, into `dist/console/`), served
 * at `/_pinrec/console/` on the API's own origin. The pages are public code holding no data: the
 * browser signs every API call itself with the key its user signs in with, so these routes are
 * unsigned, like `/_pinrec/health`.
 *
 * Only the files the build wrote are served, read once on the first request and kept in memory
 * (with a gzip copy of the text ones): a path that is not one of them is a 404, so nothing else on
 * the disk can be reached through these routes. Every response carries a Content-Security-Policy
 * allowing scripts, styles, images and connections from this origin only, so no page can load
 * anything from elsewhere or run inline script, and `frame-ancestors 'none'` so no other site can
 * frame the console.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { notFound } from "../shared/errors.js";

export const CONSOLE_PATH = "/_pinrec/console/";

/** `dist/console/` of this package: two levels up from `src/server/` and from `dist/server/` alike. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL("../../dist/console/", import.meta.url));

/**
 * `style-src 'unsafe-inline'` is there for message previews only: an email's HTML is shown in a
 * sandboxed `srcdoc` frame, which inherits this policy, and email HTML is styled inline. Scripts
 * never run there (the frame's sandbox has no `allow-scripts`, and `script-src` has no inline
 * source), and images load from this origin or `data:` only, so a previewed message cannot reach
 * another host (remote images are not loaded, as in a mail client that blocks them).
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "Content-Security-Policy": CONSOLE_CSP,
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
};

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

interface ConsoleFile {
  body: Buffer;
  gzip?: Buffer;
  type: string;
  /** Vite names every asset by a hash of its content, so those never change under their name. */
  immutable: boolean;
}

/** The built files by their URL path under the console (`index.html`, `assets/index-1a2b.js`, …). */
function readBuild(dir: string): Map<string, ConsoleFile> | undefined {
  if (!existsSync(join(dir, "index.html"))) return undefined;
  const files = new Map<string, ConsoleFile>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      const rel = relative(dir, path).split(sep).join("/");
      const body = readFileSync(path);
      const type = TYPES[extname(name).toLowerCase()] ?? "application/octet-stream";
      const textual = /^(text\/|application\/json|image\/svg)/.test(type);
      files.set(rel, { body, type, immutable: rel.startsWith("assets/"), ...(textual && body.length > 1024 && { gzip: gzipSync(body) }) });
    }
  };
  walk(dir);
  return files;
}

export interface ConsoleOptions {
  /** The built console; default `dist/console/` of this package. */
  dir?: string;
}

export function registerConsoleRoutes(app: FastifyInstance, opts: ConsoleOptions = {}): void {
  const dir = opts.dir ?? DEFAULT_CONSOLE_DIR;
  let files: Map<string, ConsoleFile> | undefined;

  const answer = async (req: FastifyRequest, reply: FastifyReply) => {
    req.serviceName = "pinrec";
    req.operationName = "Console";
    files ??= readBuild(dir);
    if (!files) throw notFound(`The console is not built (no ${join(dir, "index.html")}): run npm run build`);
    const rest = (req.params as { "*"?: string })["*"] ?? "";
    const file = files.get(rest === "" ? "index.html" : rest);
    if (!file) throw notFound(`No console file at ${CONSOLE_PATH}${rest}`);
    const gzip = file.gzip && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
    return reply
      .code(200)
      .headers({
        ...SECURITY_HEADERS,
        "Cache-Control": file.immutable ? "public, max-age=31536000, immutable" : "no-cache",
        Vary: "Accept-Encoding",
        ...(gzip && { "Content-Encoding": "gzip" }),
      })
      .type(file.type)
      .send(gzip ? file.gzip : file.body);
  };

  // The console's own address without the slash: relative asset URLs need the directory form.
  app.route({
    method: ["GET", "HEAD"],
    url: CONSOLE_PATH.slice(0, -1),
    handler: (req, reply) => {
      req.serviceName = "pinrec";
      req.operationName = "Console";
      return reply.code(308).headers(SECURITY_HEADERS).header("Location", CONSOLE_PATH).send();
    },
  });
  app.route({ method: ["GET", "HEAD"], url: `${CONSOLE_PATH}*`, handler: answer });
}
