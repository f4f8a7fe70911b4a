// A line chart of the last 15 minutes (uPlot), fed from the store's history. The chart is made
// once per mount and given new data on every render; a text line under it states the latest
// value, so the figure does not depend on reading the plot.
import { html } from "./html.js";
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";

const COLOURS = ["#1d5fbf", "#2e9e5b", "#b05d00"];
const DASHES = [[], [6, 4], [2, 3]];

/** `series`: [{ label, values }], `t`: seconds since the epoch. */
export function Chart({ title, t, series }) {
  const box = useRef(null);
  const plot = useRef(null);
  useEffect(() => {
    const options = {
      width: Math.max(300, box.current.clientWidth),
      height: 180,
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: COLOURS[i],
          dash: DASHES[i],
          width: 2,
        })),
      ],
      axes: [{}, { size: 60 }],
      legend: { show: true },
    };
    plot.current = new uPlot(options, [t, ...series.map((s) => s.values)], box.current);
    return () => plot.current.destroy();
  }, []);
  useEffect(() => {
    plot.current?.setData([t, ...series.map((s) => s.values)]);
  });
  const latest = series.map((s) => `${s.label}: ${format(s.values[s.values.length - 1])}`);
  return html`<figure style="margin:0">
    <figcaption><strong>${title}</strong> <span class="muted">(last 15 minutes)</span></figcaption>
    <div ref=${box} role="img" aria-label=${`${title}. Now ${latest.join(", ")}`}></div>
    <p class="muted">Now: ${latest.join(" · ")}</p>
  </figure>`;
}

function format(value) {
  if (value === undefined) return "—";
  return value >= 100 ? Math.round(value).toLocaleString("en") : value.toFixed(1);
}
