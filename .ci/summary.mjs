// Prints the plain closing line CI reads: "N passed, N failed[, N skipped]".
//   node .ci/summary.mjs report.json
//   node .ci/summary.mjs "Node 20.20.2=a.json" "Node 24.22.3=b.json"
// With labelled reports (one per Node.js version), each gets its own labelled line and the closing
// line is their total, so the last line stays the one summary CI reads.
import { readFileSync } from "node:fs";

function count(file) {
  try {
    const report = JSON.parse(readFileSync(file, "utf8"));
    // A file that fails to load has no failed tests of its own; count it so it cannot pass silently.
    let failed = (report.numFailedTests ?? 0) || (report.numFailedTestSuites ?? 0);
    // An error thrown outside any test (vitest's "Unhandled Errors") fails the run with every test
    // passed; `success` is the only trace of it in the report, so it counts as one failure here.
    const unhandled = failed === 0 && report.success === false;
    if (unhandled) failed = 1;
    return {
      passed: report.numPassedTests ?? 0,
      failed,
      skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
      unhandled,
    };
  } catch (err) {
    console.error(`no test report at ${file}: ${err.message}`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
}

const line = (c) => `${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ""}`;
const bad = (c) => c.failed > 0 || c.passed === 0;

const args = process.argv.slice(2);
const runs = args.map((arg) => {
  const at = arg.lastIndexOf("=");
  return at > 0 ? { label: arg.slice(0, at), file: arg.slice(at + 1) } : { label: "", file: arg };
});
const counts = runs.map((run) => count(run.file));
if (runs.length > 1 || runs[0]?.label) {
  runs.forEach((run, i) => {
    console.log(
      `${run.label}: ${line(counts[i])}${counts[i].unhandled ? " (errors outside the tests: vitest's Unhandled Errors above)" : ""}`,
    );
  });
}
const total = counts.reduce((t, c) => ({ passed: t.passed + c.passed, failed: t.failed + c.failed, skipped: t.skipped + c.skipped }), {
  passed: 0,
  failed: runs.length === 0 ? 1 : 0,
  skipped: 0,
});
console.log(line(total));
process.exit(bad(total) || counts.some(bad) ? 1 : 0);
