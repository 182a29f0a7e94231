/**
 * Real `pinrec serve` processes for tests: spawned from bin/pinrec.js (which runs the built
 * dist/cli.js), on port 0, with the URL read back from the "pinrec listening" log line.
 * Every process started here is tracked so a suite can kill leftovers by pid.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll } from "vitest";
import type { Credential } from "../src/server/credentials.js";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const BIN = join(REPO, "bin", "pinrec.js");

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  port: number;
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
  /** SIGTERM and wait for the exit. */
  stop(timeoutMs?: number): Promise<Exit>;
  kill(signal?: NodeJS.Signals): Promise<Exit>;
}

const live = new Set<ChildProcess>();

/** Environment for a child: no PINREC_* settings or AWS settings leaking in from the machine. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith("PINREC_") || k.startsWith("AWS_") || k.startsWith("NODE_OPTIONS") || k.startsWith("VITEST")) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export function assertBuilt(): void {
  if (!existsSync(join(REPO, "dist", "cli.js"))) throw new Error("dist/ is not built: run `npm run build` (npm test does it first)");
}

export function writeCredentials(path: string, credentials: Credential[]): string {
  writeFileSync(path, JSON.stringify(credentials, null, 2));
  return path;
}

/** Spawns `node bin/pinrec.js <args>` (tracked for killAll), for tests that drive the process themselves. */
export function spawnPinrec(args: string[], env: Record<string, string> = {}): ChildProcess {
  assertBuilt();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  child.on("exit", () => live.delete(child));
  return child;
}

/** Runs `pinrec <args>` to completion (for commands expected to exit on their own). */
export function runCli(
  args: string[],
  opts: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {},
): Promise<Exit & { stdout: string; stderr: string }> {
  assertBuilt();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? REPO,
      env: cleanEnv(opts.env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    live.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c) => (stdout += c));
    child.stderr!.on("data", (c) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`pinrec ${args.join(" ")} did not exit within ${opts.timeoutMs ?? 15_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`),
      );
    }, opts.timeoutMs ?? 15_000);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      // Let the pipes drain.
      setImmediate(() => resolvePromise({ code, signal, stdout, stderr }));
    });
  });
}

/**
 * Starts `pinrec serve --host 127.0.0.1 --port 0 <args>` and resolves once it listens. The log
 * level must stay at info or below, as the URL is read from the "pinrec listening" line.
 */
export function spawnServer(args: string[], opts: { env?: Record<string, string>; startTimeoutMs?: number } = {}): Promise<ServerProcess> {
  assertBuilt();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, "serve", "--host", "127.0.0.1", "--port", "0", ...args], {
      cwd: REPO,
      env: cleanEnv(opts.env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    live.add(child);
    let out = "";
    let err = "";
    let started = false;
    const exited = new Promise<Exit>((r) =>
      child.on("exit", (code, signal) => {
        live.delete(child);
        setImmediate(() => r({ code, signal }));
      }),
    );
    const timer = setTimeout(() => {
      if (started) return;
      child.kill("SIGKILL");
      reject(new Error(`pinrec serve did not start within ${opts.startTimeoutMs ?? 15_000} ms\nstdout: ${out}\nstderr: ${err}`));
    }, opts.startTimeoutMs ?? 15_000);
    let graceTimer: NodeJS.Timeout | undefined;
    const onOutput = () => {
      if (started) return;
      // The JSON log line is flushed after the CLI has installed its signal handlers; the plain
      // stderr line is written before (see process.test.ts), so it only counts after a grace period.
      const logged = listeningUrl(out, "json");
      if (!logged) {
        const said = listeningUrl(err, "plain");
        if (said && !graceTimer) graceTimer = setTimeout(() => settle(said), 250);
        return;
      }
      settle(logged);
    };
    const settle = (url: string) => {
      if (started || child.exitCode !== null || child.signalCode !== null) return;
      started = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      resolvePromise({
        child,
        pid: child.pid!,
        url,
        port: Number(new URL(url).port),
        stdout: () => out,
        stderr: () => err,
        exited,
        async kill(signal: NodeJS.Signals = "SIGKILL") {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
        async stop(timeoutMs = 15_000) {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
          const t = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
          const e = await exited;
          clearTimeout(t);
          return e;
        },
      });
    };
    child.stderr!.on("data", (c) => {
      err += c;
      onOutput();
    });
    child.stdout!.on("data", (c) => {
      out += c;
      onOutput();
    });
    // Give pino's last lines and stderr a moment to land before reporting an early exit.
    exited.then(({ code, signal }) => {
      if (started) return;
      clearTimeout(timer);
      setTimeout(
        () => reject(new Error(`pinrec serve exited before listening (code ${code}, signal ${signal})\nstdout: ${out}\nstderr: ${err}`)),
        20,
      );
    });
  });
}

/**
 * The URL from pinrec's own start-up lines: the JSON log line `{"msg":"pinrec listening","url":…}`
 * on stdout, or the plain `pinrec listening on <url>` on stderr. (Not Fastify's earlier "Server listening at" line: pinrec
 * prints its generated credentials only after its own line.)
 */
export function listeningUrl(text: string, form: "json" | "plain"): string | undefined {
  for (const line of text.split("\n")) {
    if (!line.includes("pinrec listening")) continue;
    const plain = /^pinrec listening on (http:\/\/\S+)/.exec(line);
    if (plain) {
      if (form === "plain") return plain[1];
      continue;
    }
    if (form !== "json") continue;
    try {
      const url = JSON.parse(line).url;
      if (typeof url === "string") return url;
    } catch {
      // not JSON: keep looking
    }
  }
  return undefined;
}

/** SIGKILLs every process these helpers started that is still running (by its own pid). */
export async function killAll(): Promise<void> {
  const waits: Promise<unknown>[] = [];
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) {
      waits.push(new Promise((r) => child.once("exit", r)));
      child.kill("SIGKILL");
    }
  }
  await Promise.all(waits);
  live.clear();
}

/** A PostgreSQL URL whose connections use `schema` (libpq `options=-c search_path=…`). */
export function pgUrlWithSchema(base: string, schema: string): string {
  const sep = base.includes("?") ? "&" : "?";
  return `${base}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

/**
 * Teardown for a suite that starts real processes: every test's processes are killed, then the
 * cleanups it registered run, newest first. Returns the list to push cleanups onto.
 */
export function processSuite(): (() => unknown)[] {
  const cleanups: (() => unknown)[] = [];
  beforeAll(() => assertBuilt());
  afterEach(async () => {
    await killAll();
    while (cleanups.length) await cleanups.pop()!();
  });
  afterAll(() => killAll());
  return cleanups;
}
