// The steps of a run (sandbox, thinking, text, each tool call, files, the end) with when each began
// and how long it took, as bars on one time axis (each branch of a branching run one bar, from its
// start to its end). Replays have no timings: steps show their event id.
import { h, uniqueId } from "./dom.js";
import { formatDuration } from "./format.js";

/**
 * @typedef {{ row: HTMLLIElement, time: HTMLElement, duration: HTMLElement, bar: HTMLElement,
 *   start: number | undefined, end: number | undefined }} Step
 */

/** @param {boolean} live whether event times are known (a stream watched as it happens) */
export function createTimeline(live) {
  const list = h("ol", { class: live ? "timeline-list" : "timeline-list replay" });
  const empty = h("p", { class: "muted", text: "Steps appear here as the run goes." });
  const titleId = uniqueId("timeline-title");
  const element = h(
    "section",
    { class: "panel timeline", "aria-labelledby": titleId },
    h("h3", { id: titleId, text: live ? "Timeline" : "Steps" }),
    empty,
    list,
  );
  /** @type {Map<string, Step>} */
  const steps = new Map();
  let now = 0;

  function layout() {
    if (!live) return;
    const total = Math.max(now, 0.001);
    for (const step of steps.values()) {
      const start = step.start ?? 0;
      const end = step.end ?? now;
      step.time.textContent = `+${formatDuration(start)}`;
      step.duration.textContent = step.end === undefined ? "…" : formatDuration(end - start);
      step.bar.style.setProperty("--left", `${(start / total) * 100}%`);
      step.bar.style.setProperty("--width", `${Math.max(((end - start) / total) * 100, 0.8)}%`);
    }
  }

  /**
   * @param {string} key
   * @param {string} kind sandbox | thinking | text | tool | files | result | error
   * @param {string} label
   * @param {number | undefined} at seconds since the run began (live only)
   * @param {number | undefined} seq the event's id
   */
  function begin(key, kind, label, at, seq) {
    if (steps.has(key)) return;
    empty.hidden = true;
    const time = h("span", { class: "step-time", text: live ? "" : seq ? `#${seq}` : "" });
    const duration = h("span", { class: "step-duration" });
    const bar = h("span", { class: "step-bar" });
    const row = h(
      "li",
      { class: "step", "data-kind": kind, "data-state": "running" },
      h("span", { class: "step-label", title: label, text: label }),
      time,
      live ? duration : null,
      live ? h("span", { class: "step-track", "aria-hidden": "true" }, bar) : null,
    );
    list.append(row);
    steps.set(key, { row, time, duration, bar, start: at, end: undefined });
    if (at !== undefined) now = Math.max(now, at);
    layout();
  }

  /**
   * @param {string} key
   * @param {number | undefined} at
   * @param {"ok" | "error" | "cancelled"} [state]
   */
  function end(key, at, state = "ok") {
    const step = steps.get(key);
    if (!step) return;
    step.end = at ?? step.start;
    step.row.dataset.state = state;
    if (at !== undefined) now = Math.max(now, at);
    layout();
  }

  return {
    element,
    begin,
    end,
    /** A step without duration (the result, an error). */
    point(
      /** @type {string} */ key,
      /** @type {string} */ kind,
      /** @type {string} */ label,
      /** @type {number | undefined} */ at,
      /** @type {number | undefined} */ seq,
      /** @type {"ok" | "error" | "cancelled"} */ state = "ok",
    ) {
      begin(key, kind, label, at, seq);
      end(key, at, state);
    },
    /**
     * A branch's bar: `branch_start` opens it, `branch_complete` ends it; the choice is a point.
     * @param {import("./types.js").RunEvent} event
     * @param {number | undefined} at
     * @param {number | undefined} seq
     */
    branch(event, at, seq) {
      const key = `branch:${event.branchId ?? ""}`;
      if (event.type === "branch_start") begin(key, "branch", `Branch ${event.branchId}`, at, seq);
      else if (event.type === "branch_complete") {
        end(key, at, event.status === "success" ? "ok" : "error");
      } else if (event.type === "branch_selected") {
        begin("branch-selected", "result", `Selected ${event.branchId}`, at, seq);
        end("branch-selected", at);
      }
    },
    /** Moves the clock: running steps grow. @param {number} at */
    tick(at) {
      now = Math.max(now, at);
      layout();
    },
    /** Steps still open when the stream ends stay marked unfinished. */
    close() {
      for (const step of steps.values()) {
        if (step.end !== undefined) continue;
        step.row.dataset.state = "unfinished";
        step.duration.textContent = "—";
      }
    },
  };
}
