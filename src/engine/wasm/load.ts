/** Loading the engine's WebAssembly kernels (built into base64 modules by scripts/build-wasm.mjs). */

/** The slice of the WebAssembly JS API used here (Node has it; this project's type libs do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (d: { initial: number; maximum: number; shared: true }) => SharedWasmMemory;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
export interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
export interface SharedWasmMemory {
  buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The compiled module, or null where WebAssembly SIMD is unavailable (callers keep their JavaScript loop). */
export function compileWasm(base64: string): object | null {
  try {
    return new WebAssembly.Module(Buffer.from(base64, "base64"));
  } catch {
    return null;
  }
}

export function instantiate(module: object, imports: object = {}): Record<string, unknown> {
  return new WebAssembly.Instance(module, imports).exports;
}

/**
 * A shared memory of `bytes` (rounded up to pages) that may grow to 4 GiB; throws when it cannot
 * be had. Growing never detaches views of a shared memory, but `buffer` is a new, longer object.
 */
export function sharedMemory(bytes: number): SharedWasmMemory {
  return new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)), maximum: 65536, shared: true });
}

/** Grows a module's own memory to at least `bytes` (growing detaches earlier views of it). */
export function ensureBytes(memory: WasmMemory | SharedWasmMemory, bytes: number): void {
  const pages = Math.ceil(bytes / 65536) - memory.buffer.byteLength / 65536;
  if (pages > 0) memory.grow(pages);
}
