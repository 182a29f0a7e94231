/** The template cost bound (a linear pre-scan) and the worker-thread compile with its deadline. */
import { afterAll, describe, expect, test } from "vitest";
import { ApiError } from "../../../src/shared/errors.js";
import { TemplateCompiler } from "../../../src/pinpoint/templates/compiler.js";
import { TEMPLATE_LIMITS, checkTemplateCost } from "../../../src/pinpoint/templates/limits.js";

const nested = (open: string, close: string, depth: number, inner = "x") => open.repeat(depth) + inner + close.repeat(depth);

function refusal(source: string, field = "HtmlPart"): ApiError | undefined {
  try {
    checkTemplateCost(source, field);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).code).toBe("BadRequestException");
    return err as ApiError;
  }
}

describe("checkTemplateCost", () => {
  test("real Pinpoint templates pass", () => {
    const sample = [
      "<h1>Hi {{User.UserAttributes.FirstName.[0]}}</h1>",
      "{{#if Recommendations.Title}}{{#each Recommendations.Title}}<li>{{@index}}: {{this}}</li>{{/each}}{{else}}Nothing yet{{/if}}",
      "{{RecommendationItems.[0]}} {{Recommendations.Name.[0]}} - {{Recommendations.Category.[0]}}",
      "{{#with User}}{{#unless UserId}}anonymous{{^}}{{UserId}}{{/unless}}{{/with}}",
      "{{{Attributes.[Html Snippet].[0]}}} {{!-- a comment with }} inside --}} {{! short }} \\{{not a tag}}",
      '{{#if (eq (lower User.UserAttributes.Plan.[0]) "gold")}}Gold{{/if}}',
      "{{~#each Attributes.Interests~}} {{#each ../Attributes.Tags}}{{this}}{{/each}} {{~/each~}}",
    ].join("\n");
    expect(refusal(sample)).toBeUndefined();
    // At the limits exactly.
    expect(refusal(nested("{{#if a}}", "{{/if}}", TEMPLATE_LIMITS.maxDepth))).toBeUndefined();
    expect(refusal(nested("{{#each a}}", "{{/each}}", TEMPLATE_LIMITS.maxEachDepth))).toBeUndefined();
    expect(refusal(`{{h ${nested("(h ", ")", TEMPLATE_LIMITS.maxDepth, "1")}}}`)).toBeUndefined();
  });

  test("the issue's hostile templates are refused, naming the field and the limit", () => {
    for (const depth of [5_000, 7_000]) {
      const ifs = refusal(nested("{{#if a}}", "{{/if}}", depth), "HtmlPart");
      expect(ifs!.message).toBe(`HtmlPart is refused as a message template: its blocks nest more than ${TEMPLATE_LIMITS.maxDepth} deep`);
      const started = performance.now();
      const mixed = refusal(nested("{{#if a}}{{#each b}}", "{{/each}}{{/if}}", depth / 2), "TextPart");
      // Handlebars took 10 s (5,000 deep) and 28 s (7,000 deep) on these; the scan takes well under
      // a millisecond, with a wide margin here for a machine shared with other jobs.
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(mixed!.message).toBe(
        `TextPart is refused as a message template: its {{#each}} blocks nest more than ${TEMPLATE_LIMITS.maxEachDepth} deep`,
      );
    }
  });

  test("every limit is enforced", () => {
    const L = TEMPLATE_LIMITS;
    expect(refusal(nested("{{#if a}}", "{{/if}}", L.maxDepth + 1))!.message).toMatch(/blocks nest more than 30 deep/);
    expect(refusal(nested("{{^if a}}", "{{/if}}", L.maxDepth + 1))!.message).toMatch(/blocks nest more than 30 deep/);
    expect(refusal(nested("{{#each a}}", "{{/each}}", L.maxEachDepth + 1))!.message).toMatch(/\{\{#each\}\} blocks nest more than 3 deep/);
    expect(refusal(`{{h ${nested("(h ", ")", L.maxDepth + 1, "1")}}}`)!.message).toMatch(/subexpressions\) nest more than 30 deep/);
    expect(refusal("{{a}}".repeat(L.maxTags + 1))!.message).toMatch(/more than 10000 \{\{…\}\} tags/);
    expect(refusal("{{#if a}}x{{/if}}".repeat(L.maxBlocks + 1))!.message).toMatch(/more than 2000 block sections/);
    expect(refusal(`{{h ${"a ".repeat(L.maxTagChars)}}}`)!.message).toMatch(
      /the tag at character 0 is \d+ characters long; the limit is 2000/,
    );
    expect(refusal("x".repeat(L.maxChars + 1))!.message).toMatch(/it has 600001 characters; the limit is 600000/);
    expect(refusal("{{> header}}")!.message).toMatch(/partials/);
    expect(refusal("{{#> layout}}x{{/layout}}")!.message).toMatch(/partials/);
    expect(refusal('{{#*inline "p"}}{{> p}}{{/inline}}')!.message).toMatch(/decorators/);
    // Closing blocks bring the depth back down: many siblings are fine.
    expect(refusal(nested("{{#if a}}", "{{/if}}", 20).repeat(50))).toBeUndefined();
  });

  test("the scan is linear: 600,000 characters of tags take milliseconds", () => {
    const worst = `{{a (b c)}}${"y".repeat(45)}`.repeat(TEMPLATE_LIMITS.maxTags);
    expect(worst.length).toBeLessThanOrEqual(TEMPLATE_LIMITS.maxChars);
    const started = performance.now();
    expect(refusal(worst)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(2_000); // tens of ms; wide margin for a shared machine
  });
});

describe("TemplateCompiler (worker thread)", () => {
  const compiler = new TemplateCompiler();
  afterAll(() => compiler.close());

  test("valid parts compile; a syntax error names the part's index and position", async () => {
    expect(await compiler.compile([{ field: "Subject", text: "Hi {{User.UserId}}" }])).toBeUndefined();
    const refused = await compiler.compile([
      { field: "Subject", text: "ok {{a}}" },
      { field: "HtmlPart", text: "line one\n{{#if a}}x{{/each}}" },
    ]);
    expect(refused!.index).toBe(1);
    expect(refused!.failure.message).toMatch(/if doesn't match each/);
    expect(refused!.failure.lineNumber).toBe(2);
  });

  test("a compile past its deadline is refused with a 400 and the next check gets a fresh thread", async () => {
    const impatient = new TemplateCompiler(1);
    try {
      const big = "{{User.UserAttributes.FirstName}} ".repeat(5_000);
      const err = await impatient.compile([{ field: "HtmlPart", text: big }]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).status).toBe(400);
      expect((err as ApiError).message).toMatch(/too costly to compile: Handlebars needed more than 1 ms/);
    } finally {
      await impatient.close();
    }
    const patient = new TemplateCompiler(10_000);
    try {
      expect(await patient.compile([{ field: "Subject", text: "{{a}}" }])).toBeUndefined();
    } finally {
      await patient.close();
    }
  });

  test("after a timeout the same compiler keeps working", async () => {
    const c = new TemplateCompiler(1);
    try {
      await expect(c.compile([{ field: "HtmlPart", text: "{{a}} ".repeat(5_000) }])).rejects.toThrow(/too costly/);
      // A fresh worker needs time to start; a deadline of 1 ms may refuse it too, so only check it answers.
      const second = await c.compile([{ field: "Subject", text: "{{a}}" }]).then(
        (r) => ({ ok: true as const, r }),
        (e: ApiError) => ({ ok: false as const, e }),
      );
      if (!second.ok) expect(second.e.status).toBe(400);
    } finally {
      await c.close();
    }
  });

  test("at most maxPending checks wait; more are told to retry (429)", async () => {
    const c = new TemplateCompiler(30_000, 2);
    try {
      const part = [{ field: "HtmlPart", text: "{{a}} ".repeat(20) }];
      const runs = [c.compile(part), c.compile(part), c.compile(part), c.compile(part)];
      const settled = await Promise.allSettled(runs);
      const refused = settled.filter((s) => s.status === "rejected").map((s) => (s as PromiseRejectedResult).reason as ApiError);
      expect(refused.length).toBeGreaterThanOrEqual(1);
      for (const e of refused) expect(e.status).toBe(429);
      expect(settled.filter((s) => s.status === "fulfilled").length).toBeGreaterThanOrEqual(2);
    } finally {
      await c.close();
    }
  }, 60_000);
});

describe("checkHandlebars (on the calling thread, for short texts)", () => {
  test("applies the cost bound before Handlebars and reports syntax errors like the worker check", async () => {
    const { checkHandlebars } = await import("../../../src/pinpoint/templates/validate.js");
    expect(() => checkHandlebars("TitleOverride", "Hi {{User.UserId}}")).not.toThrow();
    const started = performance.now();
    expect(() => checkHandlebars("BodyOverride", nested("{{#if a}}", "{{/if}}", 5_000))).toThrow(
      /^BodyOverride is refused as a message template: its blocks nest more than 30 deep$/,
    );
    expect(performance.now() - started).toBeLessThan(1_000); // Handlebars took 10 s on this before

    expect(() => checkHandlebars("BodyOverride", "x\n{{#if a}}y{{/each}}")).toThrow(
      /^BodyOverride is not a valid template: syntax error at line 2, column \d+ near .*: if doesn't match each$/,
    );
  });
});
