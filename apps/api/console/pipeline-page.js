// Pipelines: a pasted markdown document goes to POST /pipelines; its steps stream into a run view
// (step blocks, live output, the result document), and the recent pipeline runs link to their pages.
import { apiFetch, apiJson, describeError, errorFrom, runsPage } from "./api.js";
import { $, h } from "./dom.js";
import { formatDate } from "./format.js";
import { createRunView } from "./run-view.js";
import { pipeEvents } from "./stream.js";
import { statusPill } from "./summary.js";

const EXAMPLE = `# Build and check

\`\`\`bash
echo "building"
echo 42 > answer.txt
\`\`\`

\`\`\`bash
test "$(cat answer.txt)" = 42 && echo "checked"
\`\`\`
`;

export function createPipelinePage() {
  const form = $("#pipeline-form", HTMLFormElement);
  const markdown = $("#pipeline-markdown", HTMLTextAreaElement);
  const error = $("#pipeline-error", HTMLElement);
  const sandbox = $("#pipeline-sandbox", HTMLSelectElement);
  const session = $("#pipeline-session", HTMLInputElement);
  const start = $("#pipeline-start", HTMLButtonElement);
  const stop = $("#pipeline-cancel", HTMLButtonElement);
  const output = $("#pipeline-output", HTMLElement);
  const recent = $("#pipeline-recent", HTMLElement);
  markdown.placeholder = EXAMPLE;
  /** @type {ReturnType<typeof createRunView> | undefined} */
  let view;
  /** @type {string | undefined} */
  let runId;

  async function loadRecent() {
    try {
      const page = await runsPage("/runs?kind=pipeline&limit=8");
      recent.replaceChildren(
        ...page.runs.map((run) =>
          h(
            "li",
            {},
            statusPill(run.status),
            h("a", { href: `#/runs/${encodeURIComponent(run.id)}`, text: run.prompt || run.id }),
            h("span", { class: "muted", text: formatDate(run.startedAt) }),
          ),
        ),
      );
      if (page.runs.length === 0) recent.append(h("li", { class: "muted", text: "None yet." }));
    } catch (failure) {
      recent.replaceChildren(h("li", { class: "muted", text: describeError(failure).message }));
    }
  }

  /** @param {boolean} running */
  function setRunning(running) {
    start.disabled = running;
    start.textContent = running ? "Running…" : "Start pipeline";
    stop.disabled = !running;
  }

  async function run() {
    const text = markdown.value;
    const empty = text.trim() === "";
    error.hidden = !empty;
    error.textContent = empty
      ? "Paste a pipeline first: a markdown document with at least one ```bash block."
      : "";
    if (empty) {
      markdown.focus();
      return;
    }
    view?.dispose();
    view = createRunView({ live: true });
    runId = undefined;
    output.replaceChildren(view.element);
    const current = view;
    setRunning(true);
    try {
      /** @type {Record<string, unknown>} */
      const body = { markdown: text };
      if (sandbox.value) body.sandboxProvider = sandbox.value;
      if (session.value.trim()) body.session = session.value.trim();
      const response = await apiFetch("/pipelines", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw await errorFrom(response);
      runId = response.headers.get("x-run-id") ?? undefined;
      if (runId) current.runId(runId);
      current.running();
      await pipeEvents(response, current);
    } catch (failure) {
      current.failed(describeError(failure));
    } finally {
      setRunning(false);
      void loadRecent();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!start.disabled) void run();
  });
  stop.addEventListener("click", async () => {
    if (!runId) return;
    stop.disabled = true;
    view?.cancelling();
    await apiJson(`/runs/${encodeURIComponent(runId)}/cancel`, { method: "POST" }).catch(
      (failure) => stopFailed(failure),
    );
  });
  /** @param {unknown} failure */
  function stopFailed(failure) {
    output.prepend(
      h("p", {
        class: "callout error",
        role: "alert",
        text: `Stop failed: ${describeError(failure).message}`,
      }),
    );
  }
  setRunning(false);
  return { show: loadRecent };
}
