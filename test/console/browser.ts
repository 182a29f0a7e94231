/**
 * A real headless Chromium (Debian's `chromium`) driven by playwright-core, for the console's
 * end-to-end tests and its screenshots. Every page is watched: an uncaught page error, a console
 * error (which is how Chromium reports a Content-Security-Policy violation or a failed load), or a
 * request to anywhere but the pinrec server (aborted before it leaves) is recorded, and
 * `assertClean` fails the test with them.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";
import { REPO } from "../server-process.js";

export const CHROMIUM = "/usr/bin/chromium";
/** As root, without a GPU, and without Chromium's own calls home (the machine has no network for them). */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
];

export function assertConsoleBuilt(): void {
  if (!existsSync(join(REPO, "dist", "console", "index.html")))
    throw new Error("dist/console/ is not built: run `npm run build` (npm test does it first)");
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run installs it)`);
}

export function launchBrowser(): Promise<Browser> {
  assertConsoleBuilt();
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Everything that went wrong so far. */
  problems: string[];
  /** Every URL the page asked for (all on the server's origin, or the test fails). */
  requests: string[];
  /** Accepts console errors matching `pattern` (a refused sign-in logs its 403), until the next call. */
  expectConsoleError(pattern: RegExp): void;
  /** The console errors accepted so far, so a test can wait for all it provoked before moving on. */
  tolerated: string[];
  assertClean(): void;
  close(): Promise<void>;
}

export async function openWatchedPage(browser: Browser, origin: string, viewport = { width: 1280, height: 900 }): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport, baseURL: origin });
  const problems: string[] = [];
  const requests: string[] = [];
  const tolerated: string[] = [];
  let allowed: RegExp | undefined;
  await context.route("**/*", (route) => {
    const url = route.request().url();
    requests.push(url);
    if (new URL(url).origin === origin) return route.continue();
    problems.push(`request left the server: ${route.request().method()} ${url}`);
    return route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const text = `${msg.text()} (${msg.location().url})`;
    if (allowed?.test(text)) return void tolerated.push(text);
    problems.push(`console error: ${text}`);
  });
  page.on("requestfailed", (req) => {
    // Aborted by the route above (already recorded) or by leaving the page; anything else is a failure.
    const reason = req.failure()?.errorText ?? "";
    if (!/ERR_BLOCKED_BY_CLIENT|ERR_ABORTED/.test(reason)) problems.push(`request failed: ${req.url()} ${reason}`);
  });
  return {
    context,
    page,
    problems,
    requests,
    tolerated,
    expectConsoleError(pattern) {
      allowed = pattern;
    },
    assertClean() {
      if (problems.length) throw new Error(`the console misbehaved:\n${problems.join("\n")}`);
    },
    close: () => context.close(),
  };
}

/** Rules that make every control's name: none of these may fail at any impact. */
const NAMING_RULES = new Set([
  "label",
  "button-name",
  "select-name",
  "link-name",
  "aria-input-field-name",
  "frame-title",
  "input-button-name",
  "aria-command-name",
]);

/**
 * axe-core on the page as it is now: no serious or critical violation, and no unnamed control at
 * all. Message frames are left out: their HTML is the template's, and they run no script.
 */
export async function auditAccessibility(page: Page, where: string): Promise<void> {
  const result = await new AxeBuilder({ page }).exclude("iframe.message-frame").options({ iframes: false }).analyze();
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical" || NAMING_RULES.has(v.id));
  if (bad.length) {
    const lines = bad.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(" ")).join("\n    ")}`);
    throw new Error(`accessibility violations on ${where}:\n${lines.join("\n")}`);
  }
}
