/**
 * A KPI time series drawn by uPlot (bundled; a canvas, so nothing about it needs inline styles or
 * scripts), one line per measure over the days of the range. The canvas is decoration for sighted
 * users: the same figures are in the table under it, which is what a screen reader reads.
 */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { percent, type DailySeries } from "../kpi-api";

const DAY_S = 86_400;
const COLOURS = ["#0b5cad", "#1a7f37", "#bf8700", "#8250df", "#cf222e"];

export function KpiChart({ title, data, empty }: { title: string; data: DailySeries; empty: string }) {
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = holder.current;
    if (!el || data.total === 0) return;
    const xs = data.days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
    const plot = new uPlot(
      {
        width: Math.max(320, el.clientWidth),
        height: 240,
        // Days are UTC days, as the KPI API groups them.
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        // Ticks on whole days only, labelled MM-DD (the figures are per day).
        axes: [
          {
            incrs: [DAY_S, 2 * DAY_S, 7 * DAY_S],
            values: (_u, splits) => splits.map((v) => new Date(v * 1000).toISOString().slice(5, 10)),
          },
          { values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : "")) },
        ],
        // The legend names the lines; the figures themselves are in the table below.
        legend: { live: false },
        series: [
          { label: "Day", value: (_u, v) => (v == null ? "" : new Date(v * 1000).toISOString().slice(0, 10)) },
          ...data.series.map((s, i) => ({
            label: s.label,
            stroke: COLOURS[i % COLOURS.length],
            width: 2,
            points: { show: true, size: 6 },
          })),
        ],
      },
      [xs, ...data.series.map((s) => s.values)],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(320, el.clientWidth), height: 240 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [data]);
  return (
    <figure class="kpi-chart">
      <figcaption>{title}</figcaption>
      {data.total === 0 ? (
        <p class="muted empty">{empty}</p>
      ) : (
        <>
          <div class="chart" ref={holder} aria-hidden="true" />
          <details>
            <summary>Figures per day</summary>
            <div class="table-wrap">
              <table>
                <caption>{title} per day (UTC)</caption>
                <thead>
                  <tr>
                    <th scope="col">Day</th>
                    {data.series.map((s) => (
                      <th scope="col" key={s.label}>
                        {s.label}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {data.days.map((d, i) => (
                    <tr key={d}>
                      <th scope="row">{d}</th>
                      {data.series.map((s) => (
                        <td class="num" key={s.label}>
                          {s.values[i]}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </figure>
  );
}

/** Totals over the range, as labelled figures (what a reader looks at first). */
export function KpiTiles({ items }: { items: { label: string; value: string }[] }) {
  return (
    <dl class="kpi-tiles">
      {items.map((t) => (
        <div class="tile" key={t.label}>
          <dt>{t.label}</dt>
          <dd>{t.value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A rate as text with a meter beside it (a native element: no inline style needed for its bar). */
export function RateCell({ value }: { value: number | undefined }) {
  if (value === undefined) return <span class="muted">–</span>;
  return (
    <span class="rate">
      <meter min={0} max={1} value={value} aria-hidden="true" />
      {percent(value)}
    </span>
  );
}
