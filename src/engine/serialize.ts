/**
 * Model file format (one file, little-endian):
 *   bytes 0..7   magic "PINREC\0\x01"
 *   bytes 8..11  u32 header length H
 *   bytes 12..   JSON header (UTF-8), space-padded so sections start 8-aligned
 *   sections     raw typed-array bytes, each 8-byte aligned, located by the header
 * wrapped in an integrity frame (frame.ts: length and SHA-256, verified on load).
 * Typed arrays are copied out of the file buffer on load (one memcpy each), so that the file's
 * buffer is released once loaded: a view would keep all of it alive, and a recipe that moves a
 * section elsewhere (EASE copies B into its kernel's memory) would then hold it twice. Loading is
 * one read, one hash, the copies, plus a JSON.parse of the id lists. Writes go to a temp file that is
 * fsynced and renamed, so a crash never leaves a half-written model in place.
 */
import { open, readFile, rename, unlink } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { Model } from "./model.js";
import type { ModelData, TypedArray } from "./model-data.js";
import { frameModel, unframeModel } from "./frame.js";

const MAGIC = Buffer.from([0x50, 0x49, 0x4e, 0x52, 0x45, 0x43, 0x00, 0x01]);
export const MODEL_FORMAT_VERSION = 1;

type DType = "i32" | "f32" | "f64" | "json";
interface SectionInfo {
  dtype: DType;
  offset: number;
  bytes: number;
}

const CTORS = { i32: Int32Array, f32: Float32Array, f64: Float64Array } as const;
const SHARED_SECTIONS = new Set(["userIds", "itemIds", "metadata", "seenIndptr", "seenIndices", "seenWeights", "popularity"]);

function dtypeOf(a: TypedArray): DType {
  return a instanceof Int32Array ? "i32" : a instanceof Float64Array ? "f64" : "f32";
}

export function serializeModel(model: Model): Buffer {
  const d = model.data;
  const sections: [string, DType, Uint8Array][] = [];
  const json = (name: string, v: unknown) => sections.push([name, "json", Buffer.from(JSON.stringify(v), "utf8")]);
  const arr = (name: string, dtype: DType, a: Int32Array | Float32Array | Float64Array | undefined) => {
    if (a) sections.push([name, dtype, new Uint8Array(a.buffer, a.byteOffset, a.byteLength)]);
  };
  json("userIds", d.userIds);
  json("itemIds", d.itemIds);
  json("metadata", d.metadata);
  arr("seenIndptr", "i32", d.seenIndptr);
  arr("seenIndices", "i32", d.seenIndices);
  arr("seenWeights", "f32", d.seenWeights);
  arr("popularity", "f32", d.popularity);
  for (const [name, a] of Object.entries(d.arrays)) arr(name, dtypeOf(a), a);

  const info: Record<string, SectionInfo> = {};
  let off = 0;
  for (const [name, dtype, bytes] of sections) {
    info[name] = { dtype, offset: off, bytes: bytes.byteLength };
    off += align8(bytes.byteLength);
  }
  const header = {
    format: "pinrec-model",
    version: MODEL_FORMAT_VERSION,
    recipe: d.recipe,
    params: d.params,
    seed: d.seed,
    stats: d.stats,
    sections: info,
  };
  let hbytes = Buffer.from(JSON.stringify(header), "utf8");
  const pad = align8(12 + hbytes.length) - 12 - hbytes.length;
  hbytes = Buffer.concat([hbytes, Buffer.alloc(pad, 0x20)]);
  const base = 12 + hbytes.length;
  const out = Buffer.alloc(base + off);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(hbytes.length, 8);
  hbytes.copy(out, 12);
  for (const [name, , bytes] of sections) out.set(bytes, base + info[name].offset);
  return frameModel(out);
}

/** Loads a model file; throws ModelIntegrityError when its checksum or length does not match. */
export function deserializeModel(file: Buffer): Model {
  const buf = unframeModel(file);
  if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC)) throw new Error("not a pinrec model file (bad magic)");
  const hlen = buf.readUInt32LE(8);
  const header = JSON.parse(buf.subarray(12, 12 + hlen).toString("utf8"));
  if (header.format !== "pinrec-model" || header.version !== MODEL_FORMAT_VERSION) {
    throw new Error(`unsupported model file version ${header.version}`);
  }
  const base = 12 + hlen;
  const sec = header.sections as Record<string, SectionInfo>;
  const view = (name: string): any => {
    const s = sec[name];
    if (!s) return undefined;
    const start = base + s.offset;
    if (start + s.bytes > buf.length) throw new Error(`model file truncated in section ${name}`);
    if (s.dtype === "json") return JSON.parse(buf.subarray(start, start + s.bytes).toString("utf8"));
    const C = CTORS[s.dtype as keyof typeof CTORS];
    const abs = buf.byteOffset + start;
    return new C((buf.buffer as ArrayBuffer).slice(abs, abs + s.bytes)); // a copy of its own (see the top of this file)
  };
  const data: ModelData = {
    recipe: header.recipe,
    params: header.params,
    seed: header.seed,
    stats: header.stats,
    userIds: view("userIds"),
    itemIds: view("itemIds"),
    metadata: view("metadata"),
    seenIndptr: view("seenIndptr"),
    seenIndices: view("seenIndices"),
    seenWeights: view("seenWeights"),
    popularity: view("popularity"),
    // Every other section belongs to the recipe, in file order.
    arrays: Object.fromEntries(
      Object.keys(sec)
        .filter((name) => !SHARED_SECTIONS.has(name))
        .map((name) => [name, view(name)]),
    ),
  };
  return new Model(data);
}

/** Atomically write the model: temp file in the same directory, fsync, rename. */
export async function saveModel(model: Model, path: string): Promise<void> {
  const buf = serializeModel(model);
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  const fh = await open(tmp, "w");
  try {
    await fh.writeFile(buf);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fh.close();
  await rename(tmp, path);
}

export async function loadModel(path: string): Promise<Model> {
  return deserializeModel(await readFile(path));
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
