/** The shared Handlebars environment, Pinpoint's helpers, and message variables (Substitutions, defaults). */
import { describe, expect, test } from "vitest";
import { compileTemplate, CompiledTemplateCache } from "../../../src/pinpoint/templates/handlebars.js";
import { applyDefaults, applySubstitutions, parseDefaults, parseVariablePath } from "../../../src/pinpoint/messaging/variables.js";
import { checkHandlebars } from "../../../src/pinpoint/templates/validate.js";

const text = (t: string, ctx: unknown = {}) => compileTemplate(t, { escapeHtml: false })(ctx);
const html = (t: string, ctx: unknown = {}) => compileTemplate(t, { escapeHtml: true })(ctx);

describe("rendering", () => {
  test("values are HTML-escaped in HTML only", () => {
    const ctx = { Attributes: { Note: ["<b>&\"'</b>"] } };
    expect(html("{{Attributes.Note.[0]}}", ctx)).toBe("&lt;b&gt;&amp;&quot;&#x27;&lt;/b&gt;");
    expect(text("{{Attributes.Note.[0]}}", ctx)).toBe("<b>&\"'</b>");
  });

  test("prototype properties and methods are unreachable", () => {
    for (const t of [
      "{{constructor}}",
      "{{constructor.name}}",
      "{{__proto__}}",
      "{{#with this}}{{constructor.constructor}}{{/with}}",
      "{{lookup this 'constructor'}}",
      "{{toString}}",
    ]) {
      expect(text(t, { a: 1 }), t).toBe("");
    }
  });

  test("each stops at 15 items, as Pinpoint documents", () => {
    const items = Array.from({ length: 20 }, (_, i) => String(i));
    expect(text("{{#each x}}{{@index}},{{/each}}", { x: items })).toBe(
      items
        .slice(0, 15)
        .map((i) => `${i},`)
        .join(""),
    );
  });

  test("each stops at 15 for objects and other iterables too: nested each over a 200-key object renders 15³ times, not 200³", () => {
    const wide = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, i]));
    expect(text("{{#each x}}{{@key}},{{/each}}", { x: wide })).toBe(Array.from({ length: 15 }, (_, i) => `k${i},`).join(""));
    const started = performance.now();
    const out = text("{{#each x}}{{#each @root.x}}{{#each @root.x}}.{{/each}}{{/each}}{{/each}}", { x: wide });
    expect(out.length).toBe(15 ** 3);
    expect(performance.now() - started).toBeLessThan(1_000);
    // A "__proto__" key of parsed JSON stays a key.
    const parsed = JSON.parse(`{${Array.from({ length: 20 }, (_, i) => `"${i === 0 ? "__proto__" : `k${i}`}": ${i}`).join(",")}}`);
    expect(text("{{#each x}}{{@key}}={{this}};{{/each}}", { x: parsed })).toMatch(/^__proto__=0;k1=1;/);
  });

  test("a helper never builds a string past its bound: 28 nested replace fails the render with a clear error", () => {
    let expr = '"a"';
    for (let i = 0; i < 27; i++) expr = `(replace ${expr} "a" "aa")`;
    const template = `{{replace ${expr} "a" "aa"}}`;
    expect(() => text(template)).toThrow(/the replace helper would produce \d+ characters; the limit is 1048576/);
    // Below the bound it renders: 2^19 characters.
    let small = '"a"';
    for (let i = 0; i < 18; i++) small = `(replace ${small} "a" "aa")`;
    expect(text(`{{replace ${small} "a" "aa"}}`)).toHaveLength(2 ** 19);
    expect(() =>
      text('{{join x "-------------------------------------------------------------------------------"}}', {
        x: Array.from({ length: 20_000 }, () => "y"),
      }),
    ).toThrow(/the join helper would produce/);
  });

  test("8,000 Substitutions apply in linear time (the copy-per-key version took seconds)", () => {
    const subs = Object.fromEntries(Array.from({ length: 8_000 }, (_, i) => [`Attributes.k${i}`, [`v${i}`]]));
    const context = { Attributes: { existing: ["x"] } };
    const started = performance.now();
    const out = applySubstitutions(context, [subs, { "Attributes.k7999": ["last"] }]) as { Attributes: Record<string, string[]> };
    expect(performance.now() - started).toBeLessThan(500);
    expect(Object.keys(out.Attributes)).toHaveLength(8_001);
    expect(out.Attributes.k0).toEqual(["v0"]);
    expect(out.Attributes.k7999).toEqual(["last"]);
    expect(context.Attributes).toEqual({ existing: ["x"] });
  });

  test("missing variables render empty; lists render comma-joined", () => {
    expect(text("[{{User.UserAttributes.Missing}}][{{a}}]", { a: ["x", "y"] })).toBe("[][x,y]");
  });

  test("compiled templates are cached per key", () => {
    const cache = new CompiledTemplateCache(2);
    const a = cache.get("k1", "{{x}}", { escapeHtml: false });
    expect(cache.get("k1", "ignored: same key", { escapeHtml: false })).toBe(a);
    expect(cache.get("k1", "{{x}}", { escapeHtml: true })).not.toBe(a);
    cache.get("k2", "{{y}}", { escapeHtml: false });
    cache.get("k3", "{{z}}", { escapeHtml: false });
    expect(cache.get("k1", "{{x}}!", { escapeHtml: false })({ x: 1 })).toBe("1!");
  });

  test("save-time check and send-time rendering share helpers: a template using them validates and renders", () => {
    const t = "{{#eq Attributes.Tier.[0] 'gold'}}VIP {{/eq}}{{capitalizeFirst (lower User.UserAttributes.Name.[0])}}";
    expect(() => checkHandlebars("HtmlPart", t)).not.toThrow();
    expect(text(t, { Attributes: { Tier: ["gold"] }, User: { UserAttributes: { Name: ["ANA"] } } })).toBe("VIP Ana");
  });
});

describe("Pinpoint's template helpers", () => {
  test.each([
    ["{{#and a b}}yes{{else}}no{{/and}}", { a: 1, b: "" }, "no"],
    ["{{#or a b}}yes{{else}}no{{/or}}", { a: 0, b: "x" }, "yes"],
    ["{{#not a}}yes{{/not}}", { a: false }, "yes"],
    ["{{#eq a 'x'}}same{{else}}diff{{/eq}}", { a: ["x"] }, "same"],
    ["{{#neq a 'x'}}diff{{/neq}}", { a: "y" }, "diff"],
    ["{{#gt a 9}}big{{else}}small{{/gt}}", { a: "10" }, "big"],
    ["{{#gte a 10}}ok{{/gte}}{{#lt a 11}}<{{/lt}}{{#lte a 10}}<={{/lte}}", { a: 10 }, "ok<<="],
    ["{{eq a 'x' 'Yes' 'No'}}", { a: "y" }, "No"],
    ["{{#if (gt a 3)}}more{{/if}}", { a: 4 }, "more"],
    ["{{abbreviate 'Hello world' 8}}", {}, "Hello..."],
    ["{{capitalize 'hello big world'}}", {}, "Hello Big World"],
    ["{{capitalizeFirst 'hello'}}", {}, "Hello"],
    ["[{{center 'ab' 6 '*'}}]", {}, "[**ab**]"],
    ["{{cut 'a-b-c' '-'}}", {}, "abc"],
    ["{{inflect 1 'item' 'items' true}} / {{inflect 3 'item' 'items' true}}", {}, "1 item / 3 items"],
    ["{{join a ' | '}}", { a: ["x", "y"] }, "x | y"],
    ["[{{ljust 'a' 3 '.'}}][{{rjust 'a' 3 '.'}}]", {}, "[a..][..a]"],
    ["{{upper 'a'}}{{lower 'B'}}", {}, "Ab"],
    ["{{numberFormat 1234.5 '2' 'en-US'}}", {}, "1,234.50"],
    ["{{numberFormat 9.5 'currency' 'en-US' 'EUR'}}", {}, "€9.50"],
    ["{{replace 'a-b' '-' '+'}}", {}, "a+b"],
    ["{{slugify 'Héllo World!'}}", {}, "hello-world"],
    ["{{stripTags '<p>hi</p>'}}", {}, "hi"],
    ["{{substring 'abcdef' 1 3}}", {}, "bc"],
    ["{{yesno true}} {{yesno false}} {{yesno a 'Y' 'N' 'M'}}", {}, "yes no M"],
    ["{{add 2 3}} {{subtract 5 2}} {{multiply 2 4}} {{divide 9 3}} {{mod 7 3}}", {}, "5 3 8 3 1"],
    ["{{ceiling 1.2}} {{floor 1.8}} {{round 1.5}}", {}, "2 1 2"],
    ["{{encode64 'hi'}} {{decode64 'aGk='}}", {}, "aGk= hi"],
    ["{{md5 'a'}}", {}, "0cc175b9c0f1b6a831c399e269772661"],
    ["{{urlEncode 'a b&c'}}", {}, "a%20b%26c"],
    ["{{dateFormat d 'yyyy-MM-dd HH:mm' 'en-US' 'UTC'}}", { d: "2024-03-01T10:20:00Z" }, "2024-03-01 10:20"],
    [
      "{{dateFormat d 'EEEE d MMMM yyyy, h:mm a' 'en-US' 'America/New_York'}}",
      { d: "2024-03-01T10:20:00Z" },
      "Friday 1 March 2024, 5:20 AM",
    ],
    ["{{dateFormat d 'MMM dd' 'en-US' 'Asia/Tokyo'}}", { d: "2024-03-01T20:00:00Z" }, "Mar 02"],
  ])("%s", (template, ctx, expected) => {
    expect(text(template, ctx)).toBe(expected);
  });

  test("a helper called without its argument renders empty, not its options object", () => {
    expect(text("[{{upper}}][{{capitalize}}][{{join}}]", { upper: "context value" })).toBe("[][][]");
  });

  test("now and uuid produce values", () => {
    expect(text("{{now 'yyyy'}}")).toBe(String(new Date().getUTCFullYear()));
    expect(text("{{uuid}}")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("message variables", () => {
  test("paths with bracket segments", () => {
    expect(parseVariablePath("User.UserAttributes.[Last Name].[0]")).toEqual(["User", "UserAttributes", "Last Name", "0"]);
    expect(parseVariablePath("a..b")).toBeUndefined();
    expect(parseVariablePath("__proto__.x")).toBeUndefined();
    expect(parseVariablePath("a.constructor")).toBeUndefined();
  });

  test("later Substitutions win; shared data is not mutated; prototype keys are ignored", () => {
    const endpoint = { User: { UserAttributes: { FirstName: ["Ana"] } } };
    const ctx = applySubstitutions(endpoint, [
      { "User.UserAttributes.FirstName": ["Message"], Name: ["m"] },
      { "User.UserAttributes.FirstName": ["Recipient"], "__proto__.polluted": ["x"] },
    ]);
    expect(text("{{User.UserAttributes.FirstName}} {{Name}}", ctx)).toBe("Recipient m");
    expect(endpoint.User.UserAttributes.FirstName).toEqual(["Ana"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("DefaultSubstitutions fill only missing values, for both {{X}} and {{X.[0]}}", () => {
    const defaults = parseDefaults(
      JSON.stringify({ "User.UserAttributes.FirstName": "there", "Attributes.City": "your city", Plain: "p" }),
    );
    const filled = applyDefaults({ Attributes: { City: [] } }, defaults);
    expect(text("{{User.UserAttributes.FirstName}}/{{User.UserAttributes.FirstName.[0]}}/{{Attributes.City.[0]}}/{{Plain}}", filled)).toBe(
      "there/there/your city/p",
    );
    const kept = applyDefaults({ User: { UserAttributes: { FirstName: ["Ana"] } } }, defaults);
    expect(text("{{User.UserAttributes.FirstName.[0]}}", kept)).toBe("Ana");
    expect(parseDefaults("not json")).toEqual([]);
  });
});
