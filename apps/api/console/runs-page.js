// The runs dashboard: GET /runs, newest first, filtered by status, one page more at a time.
import { apiJson, describeError } from "./api.js";
import { $, h } from "./dom.js";
import { formatCost, formatCount, formatDate, formatDuration, totalTokens } from "./format.js";
import { statusPill } from "./summary.js";
import { errorCallout } from "./transcript.js";

/** @typedef {import("./types.js").RunRecord} RunRecord */

/** @param {RunRecord} run */
function runRow(run) {
  const href = `#/runs/${encodeURIComponent(run.id)}`;
  const row = h(
    "tr",
    { class: "run-row", onclick: () => (location.hash = href) },
    h("td", {}, statusPill(run.status)),
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
    h("td", { class: "nowrap", text: formatDate(run.startedAt) }),
  );
  return row;
}

export function createRunsPage() {
  const rows = $("#runs-rows", HTMLTableSectionElement);
  const filter = $("#runs-status", HTMLSelectElement);
  const more = $("#runs-more", HTMLButtonElement);
  const refresh = $("#runs-refresh", HTMLButtonElement);
  const message = $("#runs-message", HTMLElement);
  /** @type {string | undefined} */
  let cursor;
  let generation = 0;

  /** @param {boolean} reset */
  async function load(reset) {
    const mine = ++generation;
    const params = new URLSearchParams({ limit: "20" });
    if (filter.value) params.set("status", filter.value);
    if (!reset && cursor) params.set("cursor", cursor);
    more.disabled = true;
    message.replaceChildren(h("span", { class: "muted", text: "Loading…" }));
    try {
      /** @type {{ runs: RunRecord[], nextCursor?: string }} */
      const page = await apiJson(`/runs?${params}`);
      if (mine !== generation) return;
      if (reset) rows.replaceChildren();
      rows.append(...page.runs.map(runRow));
      cursor = page.nextCursor;
      more.hidden = !cursor;
      message.replaceChildren();
      if (rows.children.length === 0) {
        message.append(
          h("p", {
            class: "empty",
            text: filter.value
              ? `No ${filter.value} runs.`
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

  filter.addEventListener("change", () => void load(true));
  refresh.addEventListener("click", () => void load(true));
  more.addEventListener("click", () => void load(false));
  return { show: () => load(true) };
}
