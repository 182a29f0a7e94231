import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { bindCounter, bindHistogram } from "../../src/observability/bound-series.js";

/** Two registries with the same metrics: one updated through prom-client's children, one through bound series. */
function pair() {
  const make = () => {
    const registry = new Registry();
    const histogram = new Histogram({
      name: "t_seconds",
      help: "t",
      labelNames: ["a", "b"] as const,
      buckets: [0.001, 0.01, 0.1, 1],
      registers: [registry],
    });
    const counter = new Counter({ name: "t_total", help: "t", labelNames: ["a"] as const, registers: [registry] });
    return { registry, histogram, counter };
  };
  return { viaChild: make(), viaBound: make() };
}

describe("bound prom-client series", () => {
  it("expose exactly what prom-client's labelled children would, across reset() and remove()", async () => {
    const { viaChild, viaBound } = pair();
    const childH = viaChild.histogram.labels("x", "y");
    const childC = viaChild.counter.labels("z");
    const boundH = bindHistogram(viaBound.histogram, { a: "x", b: "y" });
    const boundC = bindCounter(viaBound.counter, { a: "z" });
    // Values on every bucket bound, between bounds and above the last one.
    const values = [0, 0.001, 0.0011, 0.01, 0.05, 0.1, 0.5, 1, 1.5, 3, 1e-9];
    for (let round = 0; round < 30; round++) {
      for (const v of values) {
        childH.observe(v * (1 + round / 7));
        boundH.observe(v * (1 + round / 7));
        childC.inc();
        boundC.inc();
      }
      if (round === 10) for (const m of [viaChild, viaBound]) m.histogram.reset();
      if (round === 20) for (const m of [viaChild, viaBound]) m.counter.remove("z");
    }
    const expected = await viaChild.registry.metrics();
    expect(expected).toContain('t_seconds_count{a="x",b="y"} 209');
    expect(await viaBound.registry.metrics()).toBe(expected);
  });

  it("refuse a non-finite observation as prom-client does", () => {
    const { viaBound } = pair();
    const bound = bindHistogram(viaBound.histogram, { a: "x", b: "y" });
    bound.observe(0.5);
    expect(() => bound.observe(Number.NaN)).toThrow(TypeError);
  });
});
