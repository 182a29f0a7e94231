#!/usr/bin/env node
// node bench/template-limits.mjs — what a costly template does to the event loop (run `npm run build` first).
// For each input: how long the linear pre-scan (checkTemplateCost) takes, and the event loop's
// longest stall (the longest gap between ticks of a 5 ms timer, so ~5 ms means no stall) while the template is checked the way the server does it now (pre-scan, then
// Handlebars in the worker thread) versus the way it did before (Handlebars on the event loop,
// the baseline; skipped for inputs that would stall it for many seconds).
import Handlebars from "handlebars";
import { machine } from "./lib.mjs";
import { checkTemplateCost } from "#dist/pinpoint/templates/limits.js";
import { TemplateCompiler } from "#dist/pinpoint/templates/compiler.js";

console.log(`pinrec template limits — ${machine()}`);
/** @type {[string, string, boolean][]} */
const inputs = [
  ["5,000-deep {{#if}}", "{{#if a}}".repeat(5_000) + "x" + "{{/if}}".repeat(5_000), false],
  ["7,000-deep {{#if}}/{{#each}}", "{{#if a}}{{#each b}}".repeat(3_500) + "x" + "{{/each}}{{/if}}".repeat(3_500), false],
  ["1,000 variables (38 KB, valid)", "<p>{{User.UserAttributes.FirstName.[0]}} {{Recommendations.Title.[0]}}</p>\n".repeat(500), true],
  ["4,000 variables (152 KB, valid)", "<p>{{User.UserAttributes.FirstName.[0]}} {{Recommendations.Title.[0]}}</p>\n".repeat(2_000), true],
];

/** Runs `fn` while a 5 ms ticker records the longest gap between its ticks (the event loop's stall). */
async function maxStall(fn) {
  let last = performance.now();
  let worst = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 5);
  const started = performance.now();
  try {
    await fn();
  } catch {
    /* refusals are expected */
  }
  const totalMs = performance.now() - started;
  // Let the ticker fire once more: a synchronous stall is only seen when the loop gets back.
  await new Promise((r) => setTimeout(r, 20));
  clearInterval(ticker);
  return { stallMs: worst, totalMs };
}

const compiler = new TemplateCompiler();
await compiler.compile([{ field: "warm", text: "{{a}}" }]); // thread start-up is not part of a check
for (const [, text] of inputs) {
  try {
    checkTemplateCost(text, "HtmlPart"); // warm the scan's JIT
  } catch {}
}
const rows = [];
for (const [label, text, baseline] of inputs) {
  const t = performance.now();
  let verdict = "accepted";
  try {
    checkTemplateCost(text, "HtmlPart");
  } catch (err) {
    verdict = "400: " + err.message.replace(/^HtmlPart is refused as a message template: /, "");
  }
  const scanMs = performance.now() - t;
  const now = await maxStall(async () => {
    checkTemplateCost(text, "HtmlPart");
    await compiler.compile([{ field: "HtmlPart", text }]);
  });
  const before = baseline ? await maxStall(async () => Handlebars.precompile(Handlebars.parse(text))) : undefined;
  rows.push({ label, verdict, scanMs, now, before });
}
await compiler.close();
// The same measurement with nothing to do, for the machine's own scheduling noise.
const idle = await maxStall(() => new Promise((r) => setTimeout(r, 3_000)));
console.log(`idle for 3 s: longest stall ${idle.stallMs.toFixed(1)} ms`);
console.log("| template | verdict | pre-scan | longest event-loop stall now (check total) | before: Handlebars on the event loop |");
console.log("| --- | --- | --- | --- | --- |");
for (const r of rows) {
  const before = r.before
    ? `${r.before.stallMs.toFixed(0)} ms (${(r.before.stallMs / Math.max(r.now.stallMs, 1)).toFixed(0)}× now)`
    : "not run (seconds to minutes; see docs/security.md)";
  console.log(
    `| ${r.label} | ${r.verdict} | ${r.scanMs.toFixed(2)} ms | ${r.now.stallMs.toFixed(1)} ms (${r.now.totalMs.toFixed(0)} ms) | ${before} |`,
  );
}
