// The runs dashboard: GET /runs, newest first, filtered by status, one page more at a time; the
// first page refreshes itself while shown (new runs appear, running ones end).
import { describeError, runsPage } from "./api.js";
import { $, h } from "./dom.js";
import {
  formatCost,
  formatCount,
  formatDate,
  formatDuration,
  formatShortDate,
  totalTokens,
} from "./format.js";
import { statusPill } from "./summary.js";
import { errorCallout } from "./transcript.js";
import { loadRecentRuns, usageView } from "./usage.js";

/** @typedef {import("./types.js").RunRecord} RunRecord */

/** How often a shown first page is reloaded. */
const REFRESH_MS = 4000;

/** @param {RunRecord} run */
function runRow(run) {
  const href = `#/runs/${encodeURIComponent(run.id)}`;
  const row = h(
    "tr",
    { class: "run-row", onclick: () => (location.hash = href) },
    h("td", {}, statusPill(run.status)),
    h(
      "td",
      { class: "id-cell" },
      h("a", { class: "short-id", href, title: run.id, text: run.id.slice(0, 12) }),
      run.kind ? h("span", { class: "kind-tag", text: run.kind }) : null,
    ),
    h(
      "td",
      { class: "prompt-cell" },
      h("a", { href, title: run.prompt, text: run.prompt || run.id }),
    ),
    h("td", { text: run.model ?? "—" }),
    h("td", { text: run.sandboxProvider ?? "—" }),
    h("td", { class: "num", text: formatCount(totalTokens(run.usage)) }),
    h("td", { class: "num", text: formatCost(run.costUsd) }),
    h("td", { class: "num", text: formatDuration(run.durationSecs) }),
    h("td", {
      class: "nowrap",
      title: formatDate(run.startedAt),
      text: formatShortDate(run.startedAt),
    }),
  );
  return row;
}

export function createRunsPage() {
  const rows = $("#runs-rows", HTMLTableSectionElement);
  const filter = $("#runs-status", HTMLSelectElement);
  const kind = $("#runs-kind", HTMLSelectElement);
  const usage = $("#usage", HTMLElement);
  const more = $("#runs-more", HTMLButtonElement);
  const refresh = $("#runs-refresh", HTMLButtonElement);
  const message = $("#runs-message", HTMLElement);
  /** @type {string | undefined} */
  let cursor;
  let generation = 0;
  let pages = 0;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let timer;

  /** @param {boolean} reset @param {boolean} [quiet] a background refresh: no "Loading…" */
  async function load(reset, quiet = false) {
    const mine = ++generation;
    const params = new URLSearchParams({ limit: "20" });
    if (filter.value) params.set("status", filter.value);
    if (kind.value) params.set("kind", kind.value);
    if (!reset && cursor) params.set("cursor", cursor);
    more.disabled = true;
    if (!quiet) message.replaceChildren(h("span", { class: "muted", text: "Loading…" }));
    try {
      const page = await runsPage(`/runs?${params}`);
      if (mine !== generation) return;
      if (reset) rows.replaceChildren();
      pages = reset ? 1 : pages + 1;
      rows.append(...page.runs.map(runRow));
      cursor = page.nextCursor;
      more.hidden = !cursor;
      message.replaceChildren();
      if (rows.children.length === 0) {
        message.append(
          h("p", {
            class: "empty",
            text:
              filter.value || kind.value
                ? `No ${[filter.value, kind.value].filter(Boolean).join(" ")} runs.`
                : "No runs yet: start one in the Playground.",
          }),
        );
      }
    } catch (error) {
      if (mine !== generation) return;
      const { code, message: text, details } = describeError(error);
      message.replaceChildren(errorCallout({ code, content: text, details }));
    } finally {
      more.disabled = false;
    }
  }

  // Only the first page refreshes: reloading would throw away the pages the user loaded after it.
  function tick() {
    if (document.visibilityState === "visible" && pages <= 1) void load(true, true);
  }

  /** Totals and charts over the newest runs of every kind; a failure leaves the list alone. */
  async function loadUsage() {
    try {
      usage.replaceChildren(...usageView(await loadRecentRuns()));
      usage.hidden = false;
    } catch {
      usage.hidden = true;
    }
  }

  filter.addEventListener("change", () => void load(true));
  kind.addEventListener("change", () => void load(true));
  refresh.addEventListener("click", () => {
    void load(true);
    void loadUsage();
  });
  more.addEventListener("click", () => void load(false));
  return {
    show() {
      clearInterval(timer);
      timer = setInterval(tick, REFRESH_MS);
      void loadUsage();
      return load(true);
    },
    hide() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
