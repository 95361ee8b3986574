// A branching run's own events (branch_start … branch_summary) and the tag of an event a branch or
// a sub-agent produced, as readable blocks. Every string goes in as text, never as markup.
import { h } from "./dom.js";
import { formatCost } from "./format.js";

/** @typedef {import("./types.js").RunEvent} RunEvent */

export const BRANCH_EVENT_TYPES = new Set([
  "branch_request",
  "confidence_report",
  "branch_start",
  "branch_progress",
  "branch_complete",
  "branch_selected",
  "branch_summary",
]);

/** "branch-1", "reviewer", "branch-1 › reviewer", or "" for the run's own agent. @param {RunEvent} event */
export function eventTag(event) {
  return [event.branchId, event.agent].filter(Boolean).join(" › ");
}

/** A small label saying whose an event is (nothing for the run's own agent). @param {string} tag */
export function tagChip(tag) {
  return tag ? h("span", { class: "badge event-tag", "data-tag": tag, text: tag }) : null;
}

/** @param {number | undefined} costUsd @param {number | undefined} numTurns */
function figures(costUsd, numTurns) {
  const parts = [];
  if (numTurns !== undefined) parts.push(`${numTurns} turn${numTurns === 1 ? "" : "s"}`);
  if (costUsd !== undefined) parts.push(formatCost(costUsd));
  return parts.join(" · ");
}

/** The scores, best first, the winner marked. @param {Record<string, number>} scores @param {string} winner */
function scoresTable(scores, winner) {
  const rows = Object.entries(scores)
    .sort(([, a], [, b]) => b - a)
    .map(([id, score]) =>
      h(
        "tr",
        { "data-winner": id === winner ? "true" : undefined },
        h("td", { text: id === winner ? `${id} ★` : id }),
        h("td", { text: score.toFixed(2) }),
        h("td", {}, h("meter", { min: 0, max: 1, value: score, title: score.toFixed(2) })),
      ),
    );
  return h(
    "table",
    { class: "branch-scores" },
    h("thead", {}, h("tr", {}, h("th", { text: "Branch" }), h("th", { text: "Score" }), h("th"))),
    h("tbody", {}, rows),
  );
}

/**
 * The block a branch event shows as, or null (a branch's progress: its own tool blocks and its
 * branch_complete already say it).
 * @param {RunEvent} event
 * @returns {HTMLElement | null}
 */
export function branchBlock(event) {
  const id = event.branchId ?? "";
  switch (event.type) {
    case "branch_request":
      return h(
        "div",
        { class: "callout notice branch-event", "data-type": event.type },
        h("strong", { text: "The agent asked to branch" }),
        h(
          "ul",
          {},
          (event.alternatives ?? []).map((alt) => h("li", { text: alt })),
        ),
      );
    case "confidence_report":
      return h("p", {
        class: "note branch-event",
        "data-type": event.type,
        text: `Confidence ${(event.level ?? 0).toFixed(2)}: ${event.reason ?? ""}`,
      });
    case "branch_start": {
      const model = event.model ? `${event.model} via ${event.provider}` : "default model";
      const where = event.sandboxProvider ? ` on ${event.sandboxProvider}` : "";
      const n = `${(event.branchIndex ?? 0) + 1}/${event.totalBranches ?? "?"}`;
      return h(
        "p",
        { class: "note branch-event", "data-type": event.type },
        tagChip(id),
        ` started (${n}): ${model}${where}`,
      );
    }
    case "branch_progress":
      // Per call while running, and once at the end: branch_complete says the end better.
      return null;
    case "branch_complete": {
      const ok = event.status === "success";
      const head = `${ok ? "finished" : `failed${event.code ? ` · ${event.code}` : ""}`}`;
      const more = figures(event.costUsd, event.numTurns);
      return h(
        "details",
        {
          class: "branch-event branch-complete",
          "data-type": event.type,
          "data-state": ok ? "ok" : "error",
        },
        h("summary", {}, tagChip(id), ` ${head}${more ? ` · ${more}` : ""}`),
        h("pre", { class: "tool-result", text: event.content || "(no answer)" }),
      );
    }
    case "branch_selected":
      return h(
        "div",
        { class: "callout notice branch-event", "data-type": event.type, role: "status" },
        h("strong", { text: `Selected ${id}` }),
        h("p", { class: "branch-reason", text: event.reason ?? "" }),
        event.scores && Object.keys(event.scores).length > 0 ? scoresTable(event.scores, id) : null,
      );
    case "branch_summary": {
      const parts = [
        `${event.successCount ?? 0}/${event.totalBranches ?? 0} branches succeeded`,
        event.winnerId ? `winner ${event.winnerId}` : "no winner",
        `evaluator ${event.evaluator ?? "?"}`,
        `${formatCost(event.totalCostUsd)} in all${event.judgeCostUsd === undefined ? "" : ` (judge ${formatCost(event.judgeCostUsd)})`}`,
      ];
      return h("p", {
        class: "note branch-event",
        "data-type": event.type,
        text: parts.join(" · "),
      });
    }
    default:
      return null;
  }
}
