// One run: its record from GET /runs/:id, then its events replayed (and followed while it runs).
import { apiFetch, apiJson, describeError, errorFrom } from "./api.js";
import { $, h } from "./dom.js";
import { formatCost, formatCount, formatDate, formatDuration } from "./format.js";
import { createRunView } from "./run-view.js";
import { pipeEvents } from "./stream.js";
import { definitionList, statusPill } from "./summary.js";
import { cancelNotice, errorCallout } from "./transcript.js";

/** @typedef {import("./types.js").RunRecord} RunRecord */

/** @param {RunRecord} run */
function details(run) {
  const usage = run.usage;
  /** @type {[string, string][]} */
  const rows = [
    ["Model", [run.model, run.provider].filter(Boolean).join(" · ") || "—"],
    ["Sandbox", run.sandboxProvider ?? "—"],
    ["Started", formatDate(run.startedAt)],
    ["Ended", formatDate(run.endedAt)],
    ["Duration", formatDuration(run.durationSecs)],
    ["Turns", run.numTurns === undefined ? "—" : String(run.numTurns)],
    [
      "Tokens in / out",
      usage ? `${formatCount(usage.inputTokens)} / ${formatCount(usage.outputTokens)}` : "—",
    ],
    ["Cost", formatCost(run.costUsd)],
    ["Files", String(run.filesCount)],
  ];
  for (const [key, value] of Object.entries(run.metadata ?? {}))
    rows.push([`metadata.${key}`, value]);
  return rows;
}

/**
 * @param {RunRecord} run
 * @param {string} path
 */
function recordPanel(run, path) {
  const cancel = h("button", {
    type: "button",
    class: "button danger",
    text: "Cancel run",
    hidden: run.status !== "running",
  });
  cancel.addEventListener("click", async () => {
    cancel.disabled = true;
    cancel.textContent = "Cancelling…";
    await apiJson(`${path}/cancel`, { method: "POST" }).catch(() => undefined);
  });
  return h(
    "section",
    { class: "panel record", "aria-labelledby": "record-title" },
    h(
      "div",
      { class: "record-head" },
      statusPill(run.status),
      h("h2", { id: "record-title", class: "run-id", text: run.id }),
      cancel,
    ),
    h("p", { class: "record-prompt", text: run.prompt }),
    run.status === "cancelled"
      ? cancelNotice(run.error ?? "The run was cancelled.", false)
      : run.error
        ? errorCallout({ code: run.errorCode, content: run.error })
        : null,
    definitionList(details(run)),
  );
}

export function createRunPage() {
  const root = $("#run-detail", HTMLElement);
  /** @type {AbortController | undefined} */
  let controller;
  /** @type {ReturnType<typeof createRunView> | undefined} */
  let view;

  function hide() {
    controller?.abort();
    view?.dispose();
    view = undefined;
  }

  /** @param {string} id */
  async function show(id) {
    hide();
    const mine = new AbortController();
    controller = mine;
    const path = `/runs/${encodeURIComponent(id)}`;
    root.replaceChildren(h("p", { class: "muted", text: "Loading…" }));
    try {
      /** @type {RunRecord} */
      const run = await apiJson(path, { signal: mine.signal });
      let record = recordPanel(run, path);
      const replay = createRunView({ live: false, header: false });
      view = replay;
      const title = h("h3", {
        class: "section-title",
        text: run.status === "running" ? "Events · live" : "Events",
      });
      root.replaceChildren(record, title, replay.element);
      const response = await apiFetch(`${path}/events`, { signal: mine.signal });
      if (!response.ok) throw await errorFrom(response);
      await pipeEvents(response, replay);
      if (run.status === "running" && !mine.signal.aborted) {
        // Followed to its end: the record now has the outcome, and nothing is live any more.
        const ended = recordPanel(await apiJson(path, { signal: mine.signal }), path);
        record.replaceWith(ended);
        record = ended;
        title.textContent = "Events";
      }
    } catch (error) {
      if (mine.signal.aborted) return;
      const { code, message, details } = describeError(error);
      root.append(errorCallout({ code, content: message, details }));
    }
  }

  return { show, hide };
}
