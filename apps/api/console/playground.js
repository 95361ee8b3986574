// The playground: a prompt and a few options go to POST /query; the run streams into a run view.
import { apiFetch, apiJson, describeError, errorFrom } from "./api.js";
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
    if (!runButton.disabled) void run();
  });
  cancelButton.addEventListener("click", () => void cancel());
  // Ctrl/Cmd+Enter in the prompt runs it.
  $("#prompt", HTMLTextAreaElement).addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });
  setRunning(false);
}
