// A run's header (status, id, model, sandbox, elapsed time) and its result card once it ends.
import { h, uniqueId } from "./dom.js";
import { formatCost, formatCount, formatDuration } from "./format.js";

/** @typedef {import("./types.js").RunEvent} RunEvent */

/** Status words the page shows, by what happened. */
export const STATUS_LABELS = {
  connecting: "connecting",
  queued: "queued",
  running: "running",
  completed: "completed",
  error: "error",
  cancelled: "cancelled",
  failed: "refused",
  disconnected: "disconnected",
};

/** @param {string} status */
export function statusPill(status) {
  return h("span", {
    class: "pill",
    "data-status": status,
    text: STATUS_LABELS[/** @type {keyof typeof STATUS_LABELS} */ (status)] ?? status,
  });
}

/** @param {[string, string][]} rows term, value */
export function definitionList(rows) {
  return h(
    "dl",
    { class: "facts" },
    rows.map(([term, value]) => h("div", {}, h("dt", { text: term }), h("dd", { text: value }))),
  );
}

export function createSummary() {
  let pill = statusPill("connecting");
  const title = h("a", { class: "run-id", text: "New run" });
  const meta = h("span", { class: "muted run-meta" });
  const elapsed = h("span", { class: "elapsed muted" });
  const header = h("header", { class: "run-header" }, pill, title, meta, elapsed);
  const resultId = uniqueId("result-title");
  const result = h("section", {
    class: "panel result",
    "aria-labelledby": resultId,
    hidden: true,
  });

  /** @param {string} status */
  function status(status) {
    const next = statusPill(status);
    pill.replaceWith(next);
    pill = next;
  }

  return {
    header,
    result,
    status,
    /** The run's id, linking to its own page. @param {string} id */
    runId(id) {
      title.textContent = id;
      title.href = `#/runs/${encodeURIComponent(id)}`;
      title.title = "Open this run's page";
    },
    /** @param {RunEvent} event the `system`/`init` event */
    init(event) {
      if (event.runId && !title.getAttribute("href")) {
        title.textContent = event.runId;
        title.href = `#/runs/${encodeURIComponent(event.runId)}`;
      }
      const parts = [
        event.model,
        event.provider,
        event.sandboxProvider && `${event.sandboxProvider} sandbox`,
      ];
      meta.textContent = parts.filter(Boolean).join(" · ");
    },
    /** @param {number} secs */
    elapsed(secs) {
      elapsed.textContent = formatDuration(secs);
    },
    /** @param {RunEvent} event the `result` event */
    done(event) {
      const usage = event.usage;
      /** @type {[string, string][]} */
      const rows = [
        [
          "Outcome",
          event.subtype === "error_max_turns"
            ? "stopped at max turns"
            : (event.subtype ?? "success"),
        ],
        ...(typeof event.exitCode === "number"
          ? /** @type {[string, string][]} */ ([["Exit code", String(event.exitCode)]])
          : []),
        ["Turns", event.numTurns === undefined ? "—" : String(event.numTurns)],
        ["Input tokens", formatCount(usage?.inputTokens)],
        ["Output tokens", formatCount(usage?.outputTokens)],
        [
          "Cache read / write",
          usage
            ? `${formatCount(usage.cacheReadTokens)} / ${formatCount(usage.cacheWriteTokens)}`
            : "—",
        ],
        ["Cost", formatCost(event.costUsd)],
        ["Duration", formatDuration(event.durationSecs)],
        ["Model", event.model ?? "—"],
      ];
      result.replaceChildren(
        h("h3", { id: resultId, text: "Result" }),
        definitionList(rows),
        ...(event.structuredOutput === undefined
          ? []
          : [
              h(
                "details",
                { open: true },
                h("summary", { text: "Structured output" }),
                h("pre", { text: JSON.stringify(event.structuredOutput, null, 2) }),
              ),
            ]),
      );
      result.hidden = false;
      if (event.durationSecs !== undefined)
        elapsed.textContent = formatDuration(event.durationSecs);
    },
  };
}
