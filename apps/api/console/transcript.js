// The run as a conversation: streamed text, folded thinking, folded tool calls with their results,
// notes, warnings and errors; what a branch or a sub-agent did carries its tag, and a branching
// run's own events read as blocks (branch-events.js). Every string goes in as text, never markup.
import { branchBlock, eventTag, tagChip } from "./branch-events.js";
import { h } from "./dom.js";

/** @typedef {import("./types.js").RunEvent} RunEvent */

const PREVIEW_KEYS = ["command", "path", "file_path", "pattern", "query", "url"];

/** One line saying what a tool call does: its command or path, else its input. @param {string} content */
function toolPreview(content) {
  let text = content;
  try {
    const input = JSON.parse(content);
    const key = PREVIEW_KEYS.find((k) => typeof input?.[k] === "string");
    if (key) text = input[key];
  } catch {
    // not JSON: show it as it came
  }
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}

/** @param {string} content */
function prettyJson(content) {
  try {
    return JSON.stringify(JSON.parse(content), null, 2);
  } catch {
    return content;
  }
}

/**
 * @typedef {{ element: HTMLDetailsElement, result: HTMLPreElement, badge: HTMLElement,
 *   toolName: string, tag: string, done: boolean, live?: boolean }} ToolBlock
 */

export function createTranscript() {
  const element = h("div", { class: "transcript", "aria-live": "polite" });
  /** @type {Map<string, ToolBlock>} */
  const tools = new Map();
  let toolCount = 0;
  /** @type {{ pre: HTMLPreElement, summary: HTMLElement, lines: number } | undefined} */
  let stderr;

  /** @param {Node} node */
  const add = (node) => {
    stderr = undefined;
    element.append(node);
  };

  /**
   * Text that grows delta by delta, then is replaced by the complete text when it arrives.
   * @param {"assistant" | "thinking"} kind
   * @param {string} [tag] the branch or sub-agent that speaks (none: the run's own agent)
   */
  function stream(kind, tag = "") {
    const text = document.createTextNode("");
    const body = h("div", { class: `${kind}-text` }, text);
    const block =
      kind === "assistant"
        ? h(
            "div",
            { class: "msg assistant streaming" },
            h("div", { class: "msg-label" }, "Assistant", tag ? " " : null, tagChip(tag)),
            body,
          )
        : h(
            "details",
            { class: "thinking streaming" },
            h("summary", {}, "Thinking", tag ? " " : null, tagChip(tag)),
            body,
          );
    add(block);
    return {
      /** @param {string} delta */
      append(delta) {
        text.data += delta;
      },
      /** @param {string | undefined} [full] */
      complete(full) {
        if (full !== undefined) text.data = full;
        block.classList.remove("streaming");
      },
    };
  }

  /** A call's key: branches run at once, so their ids are kept apart. @param {RunEvent} event */
  const keyOf = (event) => {
    const tag = eventTag(event);
    return event.toolUseId && tag ? `${tag}:${event.toolUseId}` : event.toolUseId;
  };

  /** @param {RunEvent} event @returns {string} the key the result will close */
  function toolUse(event) {
    toolCount += 1;
    const key = keyOf(event) ?? `tool-${toolCount}`;
    const tag = eventTag(event);
    const name = event.sandbox
      ? `${event.toolName ?? "tool"} @ ${event.sandbox}`
      : (event.toolName ?? "tool");
    const badge = h("span", { class: "badge", text: "running" });
    const result = h("pre", { class: "tool-result", text: "…" });
    const element = h(
      "details",
      { class: "tool", "data-state": "running" },
      h(
        "summary",
        {},
        tagChip(tag),
        h("span", { class: "tool-name", text: name }),
        h("code", { class: "tool-preview", text: toolPreview(event.content) }),
        badge,
      ),
      h(
        "div",
        { class: "tool-body" },
        h("h4", { text: "Input" }),
        h("pre", { class: "tool-input", text: prettyJson(event.content) }),
        h("h4", { text: "Result" }),
        result,
      ),
    );
    const toolName = event.toolName ?? "tool";
    tools.set(key, { element, result, badge, toolName, tag, done: false });
    add(element);
    return key;
  }

  /** @param {RunEvent} event @returns {string} the key of the call it answers */
  function toolResult(event) {
    const tag = eventTag(event);
    const own = keyOf(event);
    let key = own && tools.has(own) ? own : undefined;
    key ??= [...tools.entries()].find(
      ([, t]) => !t.done && t.toolName === event.toolName && t.tag === tag,
    )?.[0];
    if (!key) key = toolUse({ ...event, type: "tool_use", toolUseId: undefined, content: "" });
    const block = /** @type {ToolBlock} */ (tools.get(key));
    block.done = true;
    block.result.classList.remove("live");
    block.result.textContent = event.content || "(no output)";
    const state = event.isError ? "error" : "ok";
    block.element.dataset.state = state;
    block.badge.textContent = event.isError ? "error" : "done";
    return key;
  }

  /**
   * Live output of a running call (bash, exec_in): its block opens and follows the output until
   * the result replaces it. Appended as text nodes, never parsed as markup.
   * @param {RunEvent} event
   */
  function toolOutput(event) {
    const key = keyOf(event);
    const block = key ? tools.get(key) : undefined;
    if (!block || block.done) return;
    if (!block.live) {
      block.live = true;
      block.result.textContent = "";
      block.result.classList.add("live");
      block.badge.textContent = "running · live";
      if (block.element instanceof HTMLDetailsElement) block.element.open = true;
    }
    const follow =
      block.result.scrollTop + block.result.clientHeight >= block.result.scrollHeight - 4;
    block.result.append(event.content);
    if (follow) block.result.scrollTop = block.result.scrollHeight;
  }

  /** @param {string} text @param {string} [tag] whose note it is (a branch, a sub-agent) */
  function note(text, tag = "") {
    add(h("p", { class: "note" }, tagChip(tag), tag ? " " : null, text));
  }

  /** A branching run's own event (branch_start … branch_summary). @param {RunEvent} event */
  function branch(event) {
    const block = branchBlock(event);
    if (block) add(block);
  }

  /** @param {RunEvent} event */
  function warning(event) {
    add(
      h(
        "div",
        { class: "callout warning", role: "status" },
        h("strong", { text: event.code ? `Warning · ${event.code}` : "Warning" }),
        tagChip(eventTag(event)),
        h("p", { text: event.content }),
      ),
    );
  }

  /** @param {{ code?: string, content: string, hint?: string, details?: { field: string, message: string }[] }} error */
  function failure(error) {
    add(errorCallout(error));
  }

  /** Consecutive stderr lines share one folded block. @param {RunEvent} event */
  function stderrLine(event) {
    if (!stderr) {
      const pre = h("pre", {});
      const summary = h("summary", {});
      element.append(h("details", { class: "stderr" }, summary, pre));
      stderr = { pre, summary, lines: 0 };
    }
    stderr.lines += 1;
    stderr.pre.append(`${event.content}\n`);
    stderr.summary.textContent = `stderr · ${stderr.lines} line${stderr.lines === 1 ? "" : "s"}`;
  }

  /** A cancel is an outcome, not a failure: a neutral notice. @param {RunEvent} event @param {boolean} byYou */
  function cancelled(event, byYou) {
    add(cancelNotice(event.content, byYou));
  }

  return {
    element,
    stream,
    toolUse,
    toolResult,
    toolOutput,
    note,
    branch,
    warning,
    failure,
    cancelled,
    stderrLine,
  };
}

/**
 * A cancelled run's notice: neutral, since someone chose to stop it (red is for failures).
 * @param {string} content the server's words @param {boolean} byYou this page sent the cancel
 */
export function cancelNotice(content, byYou) {
  return h(
    "div",
    { class: "callout notice", role: "status" },
    h("strong", { text: byYou ? "Cancelled · you stopped this run" : "Cancelled" }),
    h("p", { text: content }),
  );
}

/**
 * A clear error box: code, message, each field at fault, and the server's hint.
 * @param {{ code?: string, content: string, hint?: string, details?: { field: string, message: string }[] }} error
 */
export function errorCallout(error) {
  return h(
    "div",
    { class: "callout error", role: "alert" },
    h("strong", { text: error.code ? `Error · ${error.code}` : "Error" }),
    h("p", { text: error.content }),
    error.details?.length
      ? h(
          "ul",
          {},
          error.details.map((d) =>
            h("li", {}, h("code", { text: d.field || "(body)" }), ` ${d.message}`),
          ),
        )
      : null,
    error.hint ? h("p", { class: "hint", text: error.hint }) : null,
  );
}
