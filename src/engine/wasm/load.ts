/** Loading the engine's WebAssembly kernels (built into base64 modules by scripts/build-wasm.mjs). */

/** The slice of the WebAssembly JS API used here (Node has it; this project's type libs do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
export interface WasmMemory {
  buffer: ArrayBuffer;
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

export function instantiate(module: object): Record<string, unknown> {
  return new WebAssembly.Instance(module, {}).exports;
}

/** Grows a module's own memory to at least `bytes` (growing detaches earlier views of it). */
export function ensureBytes(memory: WasmMemory, bytes: number): void {
  const pages = Math.ceil(bytes / 65536) - memory.buffer.byteLength / 65536;
  if (pages > 0) memory.grow(pages);
}
