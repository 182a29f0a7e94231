#!/usr/bin/env node
// Thin launcher: the CLI is compiled from src/cli.ts into dist/ by `npm install` (prepare) or `npm run build`.
import("../dist/cli.js")
  .then((m) => m.main(process.argv))
  .catch((err) => {
    if (err && err.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist/cli.js")) {
      console.error("pinrec is not built yet: run `npm install` (or `npm run build`) in the checkout first.");
    } else {
      console.error(err);
    }
    process.exit(1);
  });
