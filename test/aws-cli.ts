/**
 * Running Debian's AWS CLI v2 (/usr/bin/aws, not whatever `aws` is first on PATH) against pinrec
 * with nothing from the machine's AWS configuration leaking in: credentials from the environment,
 * config/credentials files pointed at an empty file, IMDS disabled, one attempt.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Credential } from "../src/server/credentials.js";

export const AWS = "/usr/bin/aws";
export const PYTHON = "/usr/bin/python3";
export const INSTALL_HINT = "apt-get install awscli python3-boto3";

export type Result = { code: number | null; stdout: string; stderr: string };

export function awsEnv(dir: string, credential: Credential): NodeJS.ProcessEnv {
  const empty = join(dir, "empty-aws-file");
  writeFileSync(empty, "");
  return {
    PATH: "/usr/bin:/bin",
    HOME: dir,
    LANG: "C.UTF-8",
    AWS_ACCESS_KEY_ID: credential.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credential.secretAccessKey,
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_CONFIG_FILE: empty,
    AWS_SHARED_CREDENTIALS_FILE: empty,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_PAGER: "",
    AWS_RETRY_MODE: "standard",
    AWS_MAX_ATTEMPTS: "1",
  };
}

/** Runs a command asynchronously (the server may answer from this same process). */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs = 30_000): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${cmd} ${args.join(" ")} timed out\n${stderr}`));
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * `aws pinpoint … --endpoint-url URL --output json` against a test server, as `credential`:
 * `aws` answers the raw result, `ok` the parsed JSON output and throws with stderr on failure.
 * `url` is read per call, so the helpers can be made before the server starts.
 */
export function pinpointCli(url: () => string, dir: string, credential: Credential) {
  const aws = (...args: string[]): Promise<Result> =>
    run(AWS, ["pinpoint", ...args, "--endpoint-url", url(), "--output", "json"], awsEnv(dir, credential), dir, 60_000);
  async function ok(...args: string[]): Promise<any> {
    const r = await aws(...args);
    if (r.code !== 0) throw new Error(`aws pinpoint ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
    return r.stdout.trim() === "" ? undefined : JSON.parse(r.stdout);
  }
  return { aws, ok };
}
