/**
 * Storage failures as a person meets them through the real CLI: a full disk, a damaged SQLite file,
 * an import with no rows, and a data dir an older version left readable by others. Each ends in
 * one clear line (no stack trace), with nothing half-written left behind.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, closeSync, mkdirSync, openSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { synth } from "../src/engine/index.js";
import { openStore } from "../src/store/open.js";
import { ACCOUNT_A, tempDir } from "./helpers.js";
import { BIN, REPO, cleanEnv, runCli, spawnServer, writeCredentials, processSuite } from "./server-process.js";

const cleanups = processSuite();

function workspace() {
  const d = tempDir("pinrec-storage-");
  cleanups.push(() => d.remove());
  const creds = writeCredentials(join(d.path, "credentials.json"), [ACCOUNT_A]);
  return { dir: d.path, creds, tenant: ["--credentials", creds, "--account", ACCOUNT_A.accountId, "--region", "us-east-1"] };
}

/** Whether this machine lets us mount a small tmpfs in a private mount namespace (root in a container or VM). */
const CAN_FILL_A_DISK =
  spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", "d=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs $d"], {
    stdio: "ignore",
  }).status === 0;

const noStack = (stderr: string) => expect(stderr, "a stack trace was printed").not.toMatch(/\n\s+at /);

describe("a full disk", () => {
  test.skipIf(!CAN_FILL_A_DISK)(
    "`campaigns create` on a 1 MiB file system: one line, exit 2, no temporary or empty model files left",
    async () => {
      const w = workspace();
      const files = await synth({ users: 1200, items: 600, interactions: 15_000, seed: 1, outDir: join(w.dir, "csv") });
      const mnt = join(w.dir, "mnt");
      mkdirSync(mnt);
      const script = [
        `mount -t tmpfs -o size=1m tmpfs "${mnt}" || exit 97`,
        `"${process.execPath}" "${BIN}" campaigns create --name big --recipe ease --interactions "${files.interactionsPath}" --data-dir "${mnt}/data" ${w.tenant.join(" ")}`,
        'echo "EXIT=$?"',
        `echo "LEFT:"; find "${mnt}/data/models" -mindepth 1 2>/dev/null`,
        `echo "LIST:"; "${process.execPath}" "${BIN}" campaigns list --data-dir "${mnt}/data" ${w.tenant.join(" ")}`,
      ].join("\n");
      const child = spawn("unshare", ["-m", "--propagation", "private", "sh", "-c", script], {
        cwd: REPO,
        env: cleanEnv(),
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (c) => (out += c));
      child.stderr.on("data", (c) => (err += c));
      await new Promise((r) => child.on("exit", r));
      expect(out, err).toMatch(/EXIT=2\n/);
      const lines = err.split("\n").filter((l) => l.startsWith("pinrec:"));
      expect(lines, err).toHaveLength(1);
      expect(lines[0]).toMatch(/^pinrec: no space left on the device \(write .*\/models\/.*\.bin\); nothing was changed/);
      noStack(err);
      const left = out.slice(out.indexOf("LEFT:\n") + 6, out.indexOf("LIST:"));
      expect(left.trim(), "files left under models/").toBe("");
      expect(JSON.parse(out.slice(out.indexOf("LIST:\n") + 6)).campaigns).toEqual([]);
    },
    120_000,
  );
});

describe("a read-only file system", () => {
  test.skipIf(!CAN_FILL_A_DISK)(
    "`campaigns list` on a data dir remounted read-only: one line naming the database, exit 2",
    async () => {
      const w = workspace();
      const mnt = join(w.dir, "ro");
      mkdirSync(mnt);
      const files = await synth({ users: 40, items: 20, interactions: 400, seed: 1, outDir: join(w.dir, "csv") });
      const list = `"${process.execPath}" "${BIN}" campaigns list --data-dir "${mnt}/data" ${w.tenant.join(" ")}`;
      // Only `create` brings a database into being (read-only commands never do), so one is made first.
      const create = `"${process.execPath}" "${BIN}" campaigns create --name small --recipe popularity --interactions "${files.interactionsPath}" --data-dir "${mnt}/data" ${w.tenant.join(" ")}`;
      const script = [
        // Room for the database and its write-ahead log, so `create` ends with the log checkpointed
        // and removed, as a cleanly closed database is before its file system turns read-only.
        `mount -t tmpfs -o size=16m tmpfs "${mnt}" || exit 97`,
        `${create} >/dev/null 2>&1 || exit 98`,
        `mount -o remount,ro "${mnt}" || exit 99`,
        list,
      ].join("\n");
      const r = spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", script], {
        cwd: REPO,
        env: cleanEnv(),
        encoding: "utf8",
      });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^pinrec: cannot open the database file \\(${mnt}/data/pinrec\\.db\\); nothing was changed`));
      noStack(r.stderr);
    },
    60_000,
  );
});

describe("a damaged SQLite file", () => {
  const cases: [string, (db: string) => void][] = [
    ["a garbled header", (db) => writeAt(db, 0, Buffer.from("this is not sqlite"))],
    ["a garbled page", (db) => writeAt(db, 4096, Buffer.alloc(4096, 0xff))],
  ];
  test.each(cases)("with %s: `pinrec serve` refuses to start, naming the file, in one line", async (_, damage) => {
    const w = workspace();
    const data = join(w.dir, "data");
    await (await openStore({ dataDir: data })).close();
    const db = join(data, "pinrec.db");
    damage(db);
    const r = await runCli(["serve", "--port", "0", "--data-dir", data, "--credentials", w.creds]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `^pinrec: the SQLite database ${db.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} is damaged \\(.+\\); pinrec will not start on it\\. Restore it from a backup`,
      ),
    );
    noStack(r.stderr);
  });
});

function writeAt(path: string, at: number, bytes: Buffer) {
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, bytes, 0, bytes.length, at);
  } finally {
    closeSync(fd);
  }
}

describe("an import with no rows", () => {
  test("`campaigns create` with a header-only CSV is refused and deploys nothing", async () => {
    const w = workspace();
    const csv = join(w.dir, "empty.csv");
    writeFileSync(csv, "USER_ID,ITEM_ID,TIMESTAMP\n");
    const data = join(w.dir, "data");
    const r = await runCli(["campaigns", "create", "--name", "empty", "--interactions", csv, "--data-dir", data, ...w.tenant]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /^pinrec: .*empty\.csv: no interactions \(the file has a header but no rows\); nothing to train on\nNothing was changed/m,
    );
    const list = await runCli(["campaigns", "list", "--data-dir", data, ...w.tenant]);
    expect(JSON.parse(list.stdout).campaigns).toEqual([]);
  });
});

describe("secrets at rest", () => {
  test("a data dir left open by an older version is tightened on start, and the log says so", async () => {
    const w = workspace();
    const data = join(w.dir, "data");
    await (await openStore({ dataDir: data })).close();
    chmodSync(data, 0o755);
    chmodSync(join(data, "pinrec.db"), 0o644);
    // Files of the user's own in the data dir are theirs: left as they are.
    writeFileSync(join(data, "notes.txt"), "mine", { mode: 0o644 });
    const server = await spawnServer(["--data-dir", data, "--credentials", w.creds]);
    expect(statSync(data).mode & 0o777).toBe(0o700);
    expect(statSync(join(data, "pinrec.db")).mode & 0o777).toBe(0o600);
    expect(statSync(join(data, "notes.txt")).mode & 0o777).toBe(0o644);
    const said = server
      .stdout()
      .split("\n")
      .filter((l) => l.includes("tightened permissions"));
    expect(said.map((l) => JSON.parse(l).msg).sort()).toEqual(
      [
        `tightened permissions of ${data} from 0755 to 0700`,
        `tightened permissions of ${join(data, "pinrec.db")} from 0644 to 0600`,
      ].sort(),
    );
    expect((await server.stop()).code).toBe(0);
  }, 30_000);

  test("files pinrec creates are private whatever the umask: data dir 0700, database and models 0600", async () => {
    const w = workspace();
    const data = join(w.dir, "data");
    const csv = join(w.dir, "i.csv");
    writeFileSync(csv, "USER_ID,ITEM_ID,TIMESTAMP\nu1,i1,1\nu2,i1,2\nu2,i2,3\n");
    const r = await runCli(["campaigns", "create", "--name", "tiny", "--interactions", csv, "--data-dir", data, ...w.tenant]);
    expect(r.code, r.stderr).toBe(0);
    const modelDir = join(data, "models", ACCOUNT_A.accountId, "us-east-1", "tiny");
    expect(statSync(data).mode & 0o777).toBe(0o700);
    expect(statSync(modelDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(data, "pinrec.db")).mode & 0o777).toBe(0o600);
    const { readdirSync } = await import("node:fs");
    const models = readdirSync(modelDir);
    expect(models).toHaveLength(1);
    expect(statSync(join(modelDir, models[0])).mode & 0o777).toBe(0o600);
  }, 30_000);
});
