/**
 * Builds the web console into dist/console/, which `pinrec serve` serves at /_pinrec/console/.
 * Preact's JSX is compiled by esbuild (no Babel), and everything the pages use is bundled, so the
 * browser loads nothing from anywhere but the server.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/_pinrec/console/",
  publicDir: false,
  logLevel: "warn",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: fileURLToPath(new URL("../dist/console/", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // The SDK clients are most of the bundle; loaded once, cached as immutable assets.
    chunkSizeWarningLimit: 1200,
    // Vite's preload polyfill is for browsers without modulepreload; every current one has it.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
