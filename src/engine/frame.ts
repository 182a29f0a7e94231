/**
 * The integrity frame around every model file, so a damaged or truncated file is refused on load
 * instead of served:
 *   bytes 0..7    magic "PINRECMF"
 *   bytes 8..15   u64 payload length (little-endian)
 *   bytes 16..47  SHA-256 of the payload
 *   bytes 48..    the payload (the model as serialize.ts lays it out)
 * The frame is 48 bytes, so the payload stays 8-byte aligned and its typed arrays stay zero-copy.
 * Files written before the frame existed (starting with the payload's own magic) still load,
 * unverified.
 */
import { createHash } from "node:crypto";

const FRAME_MAGIC = Buffer.from("PINRECMF", "latin1");
const PAYLOAD_MAGIC = Buffer.from([0x50, 0x49, 0x4e, 0x52, 0x45, 0x43, 0x00, 0x01]);
const FRAME_BYTES = 48;

/** A model file that fails its integrity check: truncated, damaged, or not a model at all. */
export class ModelIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelIntegrityError";
  }
}

export function frameModel(payload: Buffer): Buffer {
  const out = Buffer.alloc(FRAME_BYTES + payload.length);
  FRAME_MAGIC.copy(out, 0);
  out.writeBigUInt64LE(BigInt(payload.length), 8);
  createHash("sha256").update(payload).digest().copy(out, 16);
  payload.copy(out, FRAME_BYTES);
  return out;
}

/** The verified payload of a framed model file (a view, not a copy). */
export function unframeModel(file: Buffer): Buffer {
  if (file.length >= 8 && file.subarray(0, 8).equals(PAYLOAD_MAGIC)) return file; // written before checksums
  if (file.length < FRAME_BYTES || !file.subarray(0, 8).equals(FRAME_MAGIC)) {
    throw new ModelIntegrityError(`not a pinrec model file (bad magic; ${file.length} bytes)`);
  }
  const expected = file.readBigUInt64LE(8);
  const actual = BigInt(file.length - FRAME_BYTES);
  if (actual !== expected) {
    throw new ModelIntegrityError(
      `model file is ${actual < expected ? "truncated" : "too long"}: ${actual} payload bytes where the header says ${expected}`,
    );
  }
  const payload = file.subarray(FRAME_BYTES);
  const sum = createHash("sha256").update(payload).digest();
  if (!sum.equals(file.subarray(16, FRAME_BYTES)))
    throw new ModelIntegrityError("model file is damaged: its SHA-256 checksum does not match");
  return payload;
}
