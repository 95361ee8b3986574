// A pipeline's steps in the transcript: one folded block per step (its command, its live output,
// its exit code and time), and the result document. All of it text nodes, never markup.
import { h } from "./dom.js";
import { formatDuration } from "./format.js";

/** @typedef {import("./types.js").RunEvent} RunEvent */

/** @typedef {{ element: HTMLDetailsElement, output: HTMLPreElement, badge: HTMLElement }} StepBlock */

/** @param {(node: Node) => void} add puts a block at the end of the transcript */
export function createSteps(add) {
  /** @type {Map<number, StepBlock>} */
  const steps = new Map();

  return {
    /** @param {RunEvent} event `step_start` */
    start(event) {
      const index = event.index ?? steps.size;
      const command = event.command ?? "";
      const badge = h("span", { class: "badge", text: "running" });
      const output = h("pre", { class: "tool-result live step-output" });
      const element = h(
        "details",
        { class: "tool step-block", "data-state": "running", "data-step": index, open: true },
        h(
          "summary",
          {},
          h("span", { class: "tool-name", text: `Step ${index + 1}` }),
          h("code", { class: "tool-preview", text: command.split("\n")[0] ?? "" }),
          badge,
        ),
        h(
          "div",
          { class: "tool-body" },
          h("h4", { text: "Command" }),
          h("pre", { class: "tool-input", text: command }),
          h("h4", { text: "Output" }),
          output,
        ),
      );
      steps.set(index, { element, output, badge });
      add(element);
    },
    /**
     * A chunk of the step's stdout or stderr; false when no step is open for it.
     * @param {RunEvent} event
     */
    output(event) {
      const step = event.index === undefined ? [...steps.values()].at(-1) : steps.get(event.index);
      if (!step) return false;
      const follow =
        step.output.scrollTop + step.output.clientHeight >= step.output.scrollHeight - 4;
      step.output.append(
        event.type === "stderr" && !event.content.endsWith("\n")
          ? `${event.content}\n`
          : event.content,
      );
      if (follow) step.output.scrollTop = step.output.scrollHeight;
      return true;
    },
    /** @param {RunEvent} event `step_end` */
    end(event) {
      const step = steps.get(event.index ?? -1);
      if (!step) return;
      const ok = event.exitCode === 0 && !event.timedOut;
      const code = event.timedOut
        ? "timed out"
        : event.exitCode === null || event.exitCode === undefined
          ? "killed"
          : `exit ${event.exitCode}`;
      step.badge.textContent = `${code} · ${formatDuration(event.durationSecs)}`;
      step.element.dataset.state = ok ? "ok" : "error";
      step.output.classList.remove("live");
      if (step.output.textContent === "") step.output.textContent = "(no output)";
      if (ok) step.element.open = false;
    },
    get count() {
      return steps.size;
    },
  };
}

/**
 * The pipeline's document with each step's result written back, as text, with a download.
 * @param {string} markdown
 * @param {string[]} urls object URLs to free with the view
 */
export function resultDocument(markdown, urls) {
  const url = URL.createObjectURL(new Blob([markdown], { type: "text/markdown;charset=utf-8" }));
  urls.push(url);
  return h(
    "section",
    { class: "panel result-document", "aria-label": "Result document" },
    h(
      "div",
      { class: "artifact-head" },
      h("h3", { text: "Result document" }),
      h("a", { class: "button small", href: url, download: "pipeline.md", text: "Download .md" }),
    ),
    h("pre", { class: "document-text", text: markdown }),
  );
}
