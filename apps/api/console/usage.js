// Totals and charts of runs, cost and tokens over time by model, from GET /runs. The charts are
// SVG elements built with DOM calls (hand-written: three stacked-bar charts need no library, and a
// library file would have to be served and shipped beside the page under its strict CSP).
import { runsPage } from "./api.js";
import { h } from "./dom.js";
import { formatCost, formatCount, totalTokens } from "./format.js";

/** @typedef {import("./types.js").RunRecord} RunRecord */

const SVG = "http://www.w3.org/2000/svg";
/** The newest runs the charts cover: 5 pages of 100. */
const PAGES = 5;
const SERIES = 8;
const WIDTH = 600;
const HEIGHT = 170;
const PAD = { left: 52, right: 8, top: 10, bottom: 22 };

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @param {...Node} children
 */
function svg(tag, attrs, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, String(value));
  element.append(...children);
  return element;
}

/** @param {string} text */
const title = (text) => svg("title", {}, document.createTextNode(text));

/** Up to PAGES pages of the newest runs. */
export async function loadRecentRuns() {
  /** @type {RunRecord[]} */
  const runs = [];
  let path = "/runs?limit=100";
  for (let page = 0; page < PAGES; page++) {
    const next = await runsPage(path);
    runs.push(...next.runs);
    if (!next.nextCursor) break;
    path = `/runs?limit=100&cursor=${encodeURIComponent(next.nextCursor)}`;
  }
  return runs;
}

/**
 * Runs grouped into time buckets (hours when they span under two days, else days) and models.
 * @param {RunRecord[]} runs
 */
export function bucketize(runs) {
  const times = runs.map((r) => Date.parse(r.startedAt)).filter(Number.isFinite);
  const span = times.length ? Math.max(...times) - Math.min(...times) : 0;
  const hourly = span < 2 * 86_400_000;
  /** @param {number} t */
  const keyOf = (t) => {
    const d = new Date(t);
    if (hourly) d.setMinutes(0, 0, 0);
    else d.setHours(0, 0, 0, 0);
    return d.getTime();
  };
  const models = [...new Set(runs.map((r) => r.model ?? "(none)"))].sort();
  /** @type {Map<number, Map<string, { runs: number, cost: number, tokens: number }>>} */
  const buckets = new Map();
  if (times.length) {
    const step = hourly ? 3_600_000 : 86_400_000;
    for (let t = keyOf(Math.min(...times)); t <= keyOf(Math.max(...times)); t += step)
      buckets.set(keyOf(t), new Map());
  }
  for (const run of runs) {
    const t = Date.parse(run.startedAt);
    if (!Number.isFinite(t)) continue;
    const bucket = buckets.get(keyOf(t)) ?? new Map();
    buckets.set(keyOf(t), bucket);
    const model = run.model ?? "(none)";
    const cell = bucket.get(model) ?? { runs: 0, cost: 0, tokens: 0 };
    cell.runs += 1;
    cell.cost += run.costUsd ?? 0;
    cell.tokens += totalTokens(run.usage) ?? 0;
    bucket.set(model, cell);
  }
  const keys = [...buckets.keys()].sort((a, b) => a - b);
  return { hourly, models, keys, buckets };
}

/**
 * @param {ReturnType<typeof bucketize>} data
 * @param {"runs" | "cost" | "tokens"} measure
 * @param {string} label
 * @param {(n: number) => string} format
 */
function barChart(data, measure, label, format) {
  const { keys, buckets, models, hourly } = data;
  const totals = keys.map((k) =>
    [...(buckets.get(k)?.values() ?? [])].reduce((sum, c) => sum + c[measure], 0),
  );
  const max = Math.max(...totals, 0);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(keys.length, 1);
  const barW = Math.max(Math.min(slot * 0.7, 40), 1);
  const chart = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    class: "chart",
    role: "img",
    "aria-label": `${label} per ${hourly ? "hour" : "day"}, by model: ${format(totals.reduce((a, b) => a + b, 0))} in all`,
    "data-measure": measure,
  });
  const axis = (/** @type {number} */ value, /** @type {number} */ y) => {
    chart.append(
      svg("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y, y2: y, class: "gridline" }),
      svg(
        "text",
        { x: PAD.left - 6, y: y + 4, "text-anchor": "end", class: "axis-label" },
        document.createTextNode(format(value)),
      ),
    );
  };
  axis(0, PAD.top + plotH);
  if (max > 0) axis(max, PAD.top);
  keys.forEach((key, i) => {
    let y = PAD.top + plotH;
    const x = PAD.left + i * slot + (slot - barW) / 2;
    const when = new Date(key).toLocaleString(
      undefined,
      hourly ? { dateStyle: "short", timeStyle: "short" } : { dateStyle: "medium" },
    );
    for (const [m, model] of models.entries()) {
      const value = buckets.get(key)?.get(model)?.[measure] ?? 0;
      if (value <= 0 || max <= 0) continue;
      const height = (value / max) * plotH;
      y -= height;
      chart.append(
        svg(
          "rect",
          {
            x,
            y,
            width: barW,
            height: Math.max(height, 0.5),
            class: `bar series-${m % SERIES}`,
            "data-model": model,
          },
          title(`${when} · ${model}: ${format(value)}`),
        ),
      );
    }
  });
  for (const [i, key] of [keys[0], keys.at(-1)].entries()) {
    if (key === undefined || (i === 1 && keys.length < 2)) continue;
    const text = new Date(key).toLocaleString(
      undefined,
      hourly ? { timeStyle: "short" } : { month: "short", day: "numeric" },
    );
    chart.append(
      svg(
        "text",
        {
          x: i === 0 ? PAD.left : WIDTH - PAD.right,
          y: HEIGHT - 6,
          "text-anchor": i === 0 ? "start" : "end",
          class: "axis-label",
        },
        document.createTextNode(text),
      ),
    );
  }
  return h("figure", { class: "panel chart-card" }, h("figcaption", { text: label }), chart);
}

/** @param {RunRecord[]} runs @returns {Node[]} */
export function usageView(runs) {
  const data = bucketize(runs);
  const cost = runs.reduce((sum, r) => sum + (r.costUsd ?? 0), 0);
  const tokens = runs.reduce((sum, r) => sum + (totalTokens(r.usage) ?? 0), 0);
  const failed = runs.filter((r) => r.status === "error").length;
  /** @param {string} term @param {string} value @param {string} key */
  const stat = (term, value, key) =>
    h(
      "div",
      { class: "panel stat", "data-stat": key },
      h("dt", { text: term }),
      h("dd", { text: value }),
    );
  const legend = h(
    "ul",
    { class: "legend", "aria-label": "Models" },
    data.models.map((model, m) =>
      h(
        "li",
        {},
        h("span", { class: `swatch series-${m % SERIES}`, "aria-hidden": "true" }),
        model,
      ),
    ),
  );
  return [
    h(
      "dl",
      { class: "stats" },
      stat("Runs", String(runs.length), "runs"),
      stat("Failed", String(failed), "failed"),
      stat("Cost", formatCost(cost), "cost"),
      stat("Tokens", formatCount(tokens), "tokens"),
    ),
    runs.length === 0
      ? null
      : h(
          "div",
          { class: "charts" },
          barChart(data, "runs", "Runs", (n) => String(Math.round(n))),
          barChart(data, "cost", "Cost", formatCost),
          barChart(data, "tokens", "Tokens", formatCount),
        ),
    runs.length === 0 ? null : legend,
    h("p", {
      class: "muted usage-note",
      text: `Over the newest ${runs.length} run${runs.length === 1 ? "" : "s"}${runs.length >= PAGES * 100 ? " (older ones left out)" : ""}.`,
    }),
  ].filter((node) => node !== null);
}
