// Compiles src/engine/wasm/*.wat into TypeScript modules holding the binary (base64), so the
// engine needs no build tool or download at run time. Run after editing a .wat: npm run build:wasm
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import wabtInit from "wabt";

const dir = new URL("../src/engine/wasm", import.meta.url).pathname;
const wabt = await wabtInit();
for (const file of readdirSync(dir).filter((f) => f.endsWith(".wat"))) {
  const module = wabt.parseWat(file, readFileSync(join(dir, file), "utf8"), { simd: true, threads: true });
  const { buffer } = module.toBinary({});
  module.destroy();
  const name = file.replace(/\.wat$/, "");
  const out = join(dir, `${name}-wasm.ts`);
  writeFileSync(
    out,
    `// Generated from ${file} by scripts/build-wasm.mjs; do not edit.\nexport const wasmBase64 =\n  "${Buffer.from(buffer).toString("base64")}";\n`,
  );
  console.log(`${file} -> ${out} (${buffer.length} bytes)`);
}
