// Renders one run from its events, live or replayed: header, transcript, result, timeline, files.
import { createArtifacts } from "./artifacts.js";
import { BRANCH_EVENT_TYPES, eventTag } from "./branch-events.js";
import { h } from "./dom.js";
import { createSteps, resultDocument } from "./steps.js";
import { createSummary } from "./summary.js";
import { createTimeline } from "./timeline.js";
import { createTranscript } from "./transcript.js";

/** @typedef {import("./types.js").RunEvent} RunEvent */
/** @typedef {{ start(): void, stop(): void }} Ticker */

/**
 * @param {{ live: boolean, header?: boolean }} options `live`: events are watched as they happen, so
 *   their times mean something; a replay shows the steps without timings. `header: false` when the
 *   page already shows the run's id and status.
 */
export function createRunView({ live, header = true }) {
  const summary = createSummary();
  const transcript = createTranscript();
  const timeline = createTimeline(live);
  const artifacts = createArtifacts();
  const steps = createSteps((node) => transcript.element.append(node));
  /** @type {string[]} */
  const documentUrls = [];
  const element = h(
    "div",
    { class: "run-view" },
    header ? summary.header : null,
    h(
      "div",
      { class: "run-grid" },
      h("div", { class: "run-main" }, transcript.element),
      h(
        "aside",
        { class: "run-side", "aria-label": "Run details" },
        summary.result,
        artifacts.element,
        timeline.element,
      ),
    ),
  );
  // Reset when the server accepts the request: time spent typing a key is not the run's.
  let started = performance.now();
  const at = () => (live ? (performance.now() - started) / 1000 : undefined);
  /** @typedef {{ block: ReturnType<typeof transcript.stream>, key: string }} OpenBlock */
  /** Open text blocks by kind and tag: branches and sub-agents speak at once. @type {Record<string, OpenBlock | undefined>} */
  const open = {};
  let blocks = 0;
  let ended = false;
  let terminal = false;
  /** This page asked for the cancel: the CANCELLED error that follows is the user's own doing. */
  let cancelRequested = false;
  /** The last failed step's summary ("step 2: exit 3 in 0.3s"), for a failed pipeline's message. */
  /** @type {string | undefined} */
  let failedStep;
  const timer = live
    ? setInterval(() => {
        const secs = (performance.now() - started) / 1000;
        summary.elapsed(secs);
        timeline.tick(secs);
      }, 250)
    : undefined;

  /**
   * Deltas grow the open block; `complete` (or an event without subtype) closes it with the full text.
   * @param {"assistant" | "thinking"} kind
   * @param {RunEvent} event
   * @param {number | undefined} seq
   */
  function streamed(kind, event, seq) {
    const tag = eventTag(event);
    const slot = `${kind}:${tag}`;
    let current = open[slot];
    if (!current) {
      blocks += 1;
      current = { block: transcript.stream(kind, tag), key: `${kind}-${blocks}` };
      const label = `${kind === "assistant" ? "Text" : "Thinking"}${tag ? ` · ${tag}` : ""}`;
      timeline.begin(current.key, kind === "assistant" ? "text" : "thinking", label, at(), seq);
      open[slot] = current;
    }
    if (event.subtype === "delta") {
      current.block.append(event.content);
      return;
    }
    current.block.complete(event.content);
    timeline.end(current.key, at());
    open[slot] = undefined;
  }

  /** @param {"completed" | "error" | "cancelled" | "disconnected" | "failed"} status */
  function finish(status) {
    if (ended) return;
    ended = true;
    clearInterval(timer);
    const secs = at();
    if (secs !== undefined) summary.elapsed(secs);
    summary.status(status);
    for (const block of Object.values(open)) block?.block.complete();
    timeline.close();
  }

  return {
    element,
    /** @param {string} id */
    runId: (id) => summary.runId(id),
    /** The user asked to cancel this run (its CANCELLED end is then not shown as a failure). */
    cancelling() {
      cancelRequested = true;
    },
    /** The run waits for a free slot on the server (a `system` `queued` event). */
    queued() {
      if (!ended) summary.status("queued");
    },
    /** The request was accepted: the run is going and its clock starts. */
    running() {
      started = performance.now();
      summary.status("running");
    },
    /** @param {RunEvent} event @param {number | undefined} seq the SSE id */
    add(event, seq) {
      const time = at();
      switch (event.type) {
        case "system":
          if (event.subtype === "init") {
            summary.init(event);
            summary.status("running");
            timeline.begin("sandbox", "sandbox", "Sandbox", time, seq);
          } else if (event.subtype === "sandbox_ready") timeline.end("sandbox", time);
          else if (event.subtype === "queued") summary.status("queued");
          transcript.note(event.content, eventTag(event));
          break;
        case "assistant":
        case "thinking":
          streamed(event.type, event, seq);
          break;
        case "tool_use": {
          const key = transcript.toolUse(event);
          const tag = eventTag(event);
          const label = `${event.toolName ?? "tool"}${tag ? ` · ${tag}` : ""}`;
          timeline.begin(key, "tool", label, time, seq);
          break;
        }
        case "tool_result": {
          const key = transcript.toolResult(event);
          timeline.end(key, time, event.isError ? "error" : "ok");
          break;
        }
        case "tool_output":
          transcript.toolOutput(event);
          break;
        case "file":
          artifacts.add(event);
          timeline.point(
            `file-${seq ?? event.path}`,
            "files",
            `File ${event.path ?? ""}`,
            time,
            seq,
          );
          break;
        case "result":
          terminal = true;
          summary.done(event);
          timeline.point("result", "result", "Result", time, seq);
          // A pipeline's result is its document with the results written back.
          if (event.exitCode !== undefined)
            transcript.element.append(resultDocument(event.content, documentUrls));
          if (event.subtype === "step_failed") {
            // The run failed as its exit code says (the record says error PIPELINE_FAILED).
            transcript.failure({
              code: "PIPELINE_FAILED",
              content: `The pipeline stopped at a failed step (${failedStep ?? `exit code ${event.exitCode}`}).`,
            });
            finish("error");
          } else finish("completed");
          break;
        case "step_start":
          steps.start(event);
          timeline.begin(
            `step-${event.index}`,
            "tool",
            `Step ${(event.index ?? 0) + 1}`,
            time,
            seq,
          );
          break;
        case "stdout":
          if (!steps.output(event)) transcript.note(event.content);
          break;
        case "step_end":
          steps.end(event);
          if (event.exitCode !== 0 || event.timedOut) failedStep = event.content;
          timeline.end(
            `step-${event.index}`,
            time,
            event.exitCode === 0 && !event.timedOut ? "ok" : "error",
          );
          break;
        case "error":
          terminal = true;
          if (event.code === "CANCELLED") {
            transcript.cancelled(event, cancelRequested);
            timeline.point("error", "error", "Cancelled", time, seq, "cancelled");
            finish("cancelled");
            break;
          }
          transcript.failure(event);
          timeline.point("error", "error", event.code ?? "Error", time, seq, "error");
          finish("error");
          break;
        case "warning":
          transcript.warning(event);
          break;
        case "stderr":
          // A pipeline step's stderr belongs to its step, interleaved with its stdout.
          if (!(steps.count > 0 && steps.output(event))) transcript.stderrLine(event);
          break;
        default:
          if (BRANCH_EVENT_TYPES.has(event.type)) {
            transcript.branch(event);
            timeline.branch(event, time, seq);
          } else transcript.note(`(an event of a type this page does not know: ${event.type})`);
      }
    },
    /** The stream closed; without a result or error the connection was lost. */
    end() {
      if (!terminal) finish("disconnected");
    },
    /**
     * The request was refused or failed before any event.
     * @param {{ code?: string, message: string, details?: { field: string, message: string }[] }} error
     */
    failed(error) {
      transcript.failure({ ...error, content: error.message });
      finish("failed");
    },
    dispose() {
      clearInterval(timer);
      artifacts.dispose();
      for (const url of documentUrls.splice(0)) URL.revokeObjectURL(url);
    },
  };
}
