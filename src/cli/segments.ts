/** `pinrec segments import`: an imported segment from a local CSV or JSON-lines file, as CreateImportJob makes one. */
import { Command, InvalidArgumentError } from "commander";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { EndpointService } from "../pinpoint/endpoints/service.js";
import type { ImportFormat } from "../pinpoint/segments/import-file.js";
import { SegmentImporter } from "../pinpoint/segments/import.js";
import { addTargetOptions, resolveTarget, resolveTenant, withTargetStore } from "./tenant.js";

function format(value: string): ImportFormat {
  const f = value.toUpperCase();
  if (f !== "CSV" && f !== "JSON") throw new InvalidArgumentError("choose csv or json");
  return f;
}

/** The format a file name implies, when --format is not given. */
function formatOf(file: string): ImportFormat {
  const ext = extname(file).toLowerCase();
  if (ext === ".csv") return "CSV";
  if (ext === ".json" || ext === ".jsonl" || ext === ".ndjson") return "JSON";
  throw new InvalidArgumentError(`cannot tell the format of ${file} from its name: pass --format csv or --format json`);
}

export function segmentsCommand(): Command {
  const cmd = new Command("segments").description("Amazon Pinpoint segments");
  const importing = addTargetOptions(
    cmd.command("import").description("import endpoint definitions (CSV or JSON lines) as endpoints and a segment of them; all or nothing"),
  );
  importing
    .requiredOption("--app <id>", "application (project) id")
    .requiredOption("--name <name>", "name of the new segment")
    .requiredOption("--file <path>", "a CSV or JSON-lines file, or a folder of them")
    .option("--format <format>", "csv or json (default: from the file name)", format)
    .action(async (o) => {
      const target = resolveTarget(importing);
      const tenant = resolveTenant(target);
      const path = resolve(o.file);
      const fmt: ImportFormat = o.format ?? formatOf(path);
      const result = await withTargetStore(target, { create: false }, (store) =>
        new SegmentImporter(store, new EndpointService(store)).import(
          tenant,
          o.app,
          { path, format: fmt, s3Url: pathToFileURL(path).href },
          o.name,
        ),
      );
      process.stdout.write(JSON.stringify({ imported: result.processed, segment: result.segment }, null, 2) + "\n");
    });
  return cmd;
}
