/**
 * Loads a committed service-model snapshot (format.ts) back into the SDK's own static-schema
 * arrays, so `NormalizedSchema` and the protocol code read it exactly as they read the SDK module.
 */
import { readFileSync } from "node:fs";
import type { StaticOperation } from "../model.js";
import { OPERATION, refPositions, type SnapshotFile, type SnapshotService, type StoredRef } from "./format.js";

/** Rebuilds the schema arrays: all are allocated first, so refs (cyclic ones too) point at the final arrays. */
export function decodeSnapshot(file: SnapshotFile): StaticOperation[] {
  const schemas: unknown[][] = file.schemas.map(() => []);
  const decodeRef = (ref: StoredRef): unknown => {
    if (typeof ref === "number" || typeof ref === "string") return ref;
    if (Array.isArray(ref)) return [decodeRef(ref[0]), ref[1]];
    if ("$fn" in ref) {
      const schema = schemas[ref.$fn];
      return () => schema;
    }
    return schemas[ref.$ref];
  };
  file.schemas.forEach((stored, i) => {
    const { single, list } = refPositions(stored[0]);
    schemas[i].push(
      ...stored.map((value, p) => {
        if (single.includes(p)) return decodeRef(value as StoredRef);
        if (p === list) return (value as StoredRef[]).map(decodeRef);
        return value;
      }),
    );
  });
  return schemas.filter((s) => s[0] === OPERATION) as unknown as StaticOperation[];
}

const loaded = new Map<SnapshotService, StaticOperation[]>();

/**
 * The operations of a service, from the snapshot next to this module (the build copies it into
 * dist). Loaded once per process: schemas keep `NormalizedSchema` caches, so every server in a
 * process shares one copy, as it shared the SDK module's.
 */
export function loadServiceModel(service: SnapshotService): StaticOperation[] {
  let operations = loaded.get(service);
  if (!operations) {
    // Read and parsed here rather than `require`d, so the parsed JSON is not kept in require's cache.
    const text = readFileSync(new URL(`./${service}.json`, import.meta.url), "utf8");
    operations = decodeSnapshot(JSON.parse(text) as SnapshotFile);
    loaded.set(service, operations);
  }
  return operations;
}
