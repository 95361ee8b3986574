// The playground: a prompt and a few options go to POST /query; the run streams into a run view.
import { apiFetch, apiJson, describeError, errorFrom, hasKey } from "./api.js";
import { asCli, asCurl, asSdk } from "./copy-as.js";
import { $, h } from "./dom.js";
import { readRequestFiles } from "./files.js";
import { formatBytes } from "./format.js";
import { createRunView } from "./run-view.js";
import { pipeEvents } from "./stream.js";

/** @typedef {ReturnType<typeof createRunView>} RunView */

/** @param {HTMLFormElement} form */
async function buildRequest(form) {
  const data = new FormData(form);
  const text = (/** @type {string} */ name) => String(data.get(name) ?? "").trim();
  /** @type {Record<string, unknown>} */
  const request = { prompt: String(data.get("prompt") ?? "") };
  if (text("model")) request.model = text("model");
  if (text("sandboxProvider")) request.sandboxProvider = text("sandboxProvider");
  if (text("sessionId")) request.sessionId = text("sessionId");
  if (text("thinkingLevel")) request.thinkingLevel = text("thinkingLevel");
  if (text("maxTurns")) request.maxTurns = Number(text("maxTurns"));
  if (text("timeout")) request.timeout = Number(text("timeout"));
  const files = $("#files", HTMLInputElement).files;
  if (files && files.length > 0) request.files = await readRequestFiles(files);
  return request;
}

export function createPlayground() {
  const form = $("#query-form", HTMLFormElement);
  const runButton = $("#run-button", HTMLButtonElement);
  const cancelButton = $("#cancel-button", HTMLButtonElement);
  const picker = $("#files", HTMLInputElement);
  const picked = $("#picked-files", HTMLElement);
  const output = $("#playground-output", HTMLElement);
  /** @type {RunView | undefined} */
  let view;
  /** @type {string | undefined} */
  let runId;

  picker.addEventListener("change", () => {
    const files = [...(picker.files ?? [])];
    picked.replaceChildren(
      ...files.map((f) =>
        h(
          "li",
          {},
          h("span", { text: f.name }),
          h("span", { class: "muted", text: formatBytes(f.size) }),
        ),
      ),
    );
  });

  const prompt = $("#prompt", HTMLTextAreaElement);
  const promptError = $("#prompt-error", HTMLElement);
  /** An empty prompt is said in words beside the field, and nothing is sent. */
  function promptMissing() {
    const missing = prompt.value.trim() === "";
    promptError.hidden = !missing;
    promptError.textContent = missing
      ? "Write a prompt first: it tells the agent what to do (for example, “Write hello.py that prints hello, then run it”)."
      : "";
    if (missing) {
      prompt.setAttribute("aria-invalid", "true");
      prompt.setAttribute("aria-describedby", "prompt-error");
      prompt.focus();
    } else {
      prompt.removeAttribute("aria-invalid");
      prompt.removeAttribute("aria-describedby");
    }
    return missing;
  }
  prompt.addEventListener("input", () => {
    if (!promptError.hidden && prompt.value.trim() !== "") promptMissing();
  });

  const copyOutput = $("#copy-output", HTMLElement);
  const copyStatus = $("#copy-status", HTMLElement);
  const copySnippet = $("#copy-snippet", HTMLPreElement);
  /** @type {Record<string, { what: string, render: (r: Record<string, unknown>, origin: string, keyed: boolean) => string }>} */
  const FORMATS = {
    curl: { what: "curl command", render: asCurl },
    sdk: { what: "SDK script", render: asSdk },
    cli: { what: "CLI command", render: asCli },
  };
  for (const button of form.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", async () => {
      const format = button.getAttribute("data-copy") ?? "";
      const chosen = FORMATS[format];
      if (!chosen) return;
      const { what, render } = chosen;
      const snippet = render(await buildRequest(form), location.origin, hasKey());
      copySnippet.textContent = snippet;
      copyOutput.hidden = false;
      copyOutput.dataset.format = format;
      try {
        await navigator.clipboard.writeText(snippet);
        copyStatus.textContent = `Copied the ${what} to the clipboard.`;
      } catch {
        // No clipboard (an insecure origin, a refused permission): the text is there to select.
        copyStatus.textContent = `The ${what}: select it and copy it.`;
      }
    });
  }

  /** @param {boolean} running */
  function setRunning(running) {
    runButton.disabled = running;
    runButton.textContent = running ? "Running…" : "Run";
    cancelButton.disabled = !running;
    cancelButton.textContent = "Cancel";
  }

  async function run() {
    view?.dispose();
    view = createRunView({ live: true });
    runId = undefined;
    output.replaceChildren(view.element);
    const current = view;
    setRunning(true);
    try {
      const body = JSON.stringify(await buildRequest(form));
      const response = await apiFetch("/query", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      if (!response.ok) throw await errorFrom(response);
      runId = response.headers.get("x-run-id") ?? undefined;
      if (runId) current.runId(runId);
      // The run id is known even while the run waits in the server's queue: cancel works then too.
      current.running();
      await pipeEvents(response, current);
    } catch (error) {
      current.failed(describeError(error));
    } finally {
      setRunning(false);
    }
  }

  async function cancel() {
    if (!runId) return;
    cancelButton.disabled = true;
    cancelButton.textContent = "Cancelling…";
    view?.cancelling();
    try {
      await apiJson(`/runs/${encodeURIComponent(runId)}/cancel`, { method: "POST" });
    } catch (error) {
      output.prepend(
        h("p", {
          class: "callout error",
          role: "alert",
          text: `Cancel failed: ${describeError(error).message}`,
        }),
      );
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!runButton.disabled && !promptMissing()) void run();
  });
  cancelButton.addEventListener("click", () => void cancel());
  // Ctrl/Cmd+Enter in the prompt runs it.
  prompt.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });
  setRunning(false);
  return {
    /** Makes the next run a turn of this session (from the sessions page). @param {string} id */
    continueSession(id) {
      $("#session", HTMLInputElement).value = id;
      prompt.focus();
    },
  };
}
