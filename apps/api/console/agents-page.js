// The Agents page (#/agents, #/agents/<name>): deployed custom agents with their status and
// versions (refreshed while shown, so a build's end appears by itself), an invoke box that streams
// the agent's stdout and stderr, and rollback to an earlier version that built. Self-contained:
// it adds its own section and follows the hash after the console's router has run.
import { apiFetch, apiJson, describeError, errorFrom } from "./api.js";
import { h } from "./dom.js";
import { formatDate, formatShortDate } from "./format.js";
import { readSse } from "./sse.js";
import { errorCallout } from "./transcript.js";

/** @typedef {{ version: number, status: string, createdAt: string, templateId: string, failure?: { step: string, exitCode: number | null, outputTail: string, message: string } }} AgentVersion */
/** @typedef {{ name: string, status: string, activeVersion?: number, entrypoint: string[], secrets: { declared: string[], set: string[] }, versions: AgentVersion[] }} Agent */

const REFRESH_MS = 3000;
/** Agent statuses drawn with the run pills' colours. */
const PILL = { active: "completed", building: "running", failed: "error" };

/** @param {string} status */
function agentPill(status) {
  const look = PILL[/** @type {keyof typeof PILL} */ (status)] ?? status;
  return h("span", { class: "pill", "data-status": look, text: status });
}

/** @param {string} name */
const agentPath = (name) => `/agents/${encodeURIComponent(name)}`;

const list = h("tbody", { id: "agents-rows" });
const message = h("div", { id: "agents-message", "aria-live": "polite" });
const detail = h("div", { id: "agent-detail" });
const section = h(
  "section",
  { id: "page-agents", class: "page", "aria-labelledby": "agents-title", hidden: true },
  h(
    "div",
    { class: "page-head" },
    h("h1", { id: "agents-title", text: "Agents" }),
    h(
      "div",
      { class: "toolbar" },
      h("button", { class: "button", type: "button", text: "Refresh", onclick: () => load() }),
    ),
  ),
  h(
    "div",
    { class: "panel table-wrap" },
    h(
      "table",
      { class: "runs-table agents-table" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Status", "Name", "Active", "Versions", "Entrypoint", "Secrets"].map((label) =>
            h("th", { scope: "col", text: label }),
          ),
        ),
      ),
      list,
    ),
    message,
  ),
  detail,
);
document.querySelector("main")?.append(section);

/** @type {ReturnType<typeof setInterval> | undefined} */
let timer;
/** @type {string | undefined} the agent whose detail is shown */
let selected;
/** An invocation in flight: its abort, so leaving the page or Cancel stops it. */
let invoking = /** @type {AbortController | undefined} */ (undefined);
let generation = 0;

/** @param {Agent} agent */
function agentRow(agent) {
  const href = `#/agents/${encodeURIComponent(agent.name)}`;
  return h(
    "tr",
    { class: "run-row", "data-agent": agent.name, onclick: () => (location.hash = href) },
    h("td", {}, agentPill(agent.status)),
    h("td", { class: "prompt-cell" }, h("a", { href, text: agent.name })),
    h("td", { text: agent.activeVersion === undefined ? "—" : `v${agent.activeVersion}` }),
    h("td", { class: "num", text: String(agent.versions.length) }),
    h("td", {}, h("code", { text: agent.entrypoint.join(" ") })),
    h("td", { text: `${agent.secrets.set.length}/${agent.secrets.declared.length} set` }),
  );
}

/** @param {Agent} agent */
function versionRow(agent) {
  /** @param {AgentVersion} v */
  return (v) => {
    const current = v.version === agent.activeVersion;
    const canRollBack = v.status === "active" && !current;
    return h(
      "tr",
      { "data-version": String(v.version) },
      h("td", { text: `v${v.version}${current ? " (in use)" : ""}` }),
      h("td", {}, agentPill(v.status)),
      h("td", {
        class: "nowrap",
        title: formatDate(v.createdAt),
        text: formatShortDate(v.createdAt),
      }),
      h(
        "td",
        {},
        v.failure
          ? h("span", {
              class: "muted",
              text: `${v.failure.step} (exit ${v.failure.exitCode ?? "—"}): ${v.failure.message}`,
            })
          : null,
        canRollBack
          ? h("button", {
              class: "button small",
              type: "button",
              text: `Roll back to v${v.version}`,
              onclick: () => rollback(agent.name, v.version),
            })
          : null,
      ),
    );
  };
}

/** @param {string} name @param {number} version */
async function rollback(name, version) {
  try {
    await apiJson(`${agentPath(name)}/rollback`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ version }),
    });
  } catch (error) {
    const { code, message: text, details } = describeError(error);
    detail.prepend(errorCallout({ code, content: text, details }));
  }
  await load();
}

/** The invoke box: prompt, Invoke/Cancel, and the output as it streams. @param {Agent} agent */
function invokeBox(agent) {
  const prompt = h("textarea", { id: "agent-prompt", rows: 3, name: "prompt", required: true });
  const stdout = h("pre", { class: "assistant-text agent-stdout", "aria-live": "polite" });
  const stderr = h("pre", { class: "stderr agent-stderr", hidden: true });
  const outcome = h("div", { class: "agent-outcome", "aria-live": "polite" });
  const run = h("button", { class: "button primary", type: "submit", text: "Invoke" });
  const cancel = h("button", { class: "button", type: "button", text: "Cancel", disabled: true });
  cancel.addEventListener("click", () => invoking?.abort());
  const form = h(
    "form",
    { class: "panel query-form", novalidate: true },
    h("h2", { class: "section-title", text: `Invoke ${agent.name}` }),
    h(
      "div",
      { class: "field" },
      h("label", { for: "agent-prompt", text: "Prompt (the agent's stdin)" }),
      prompt,
    ),
    h("div", { class: "actions" }, run, cancel),
    outcome,
    stdout,
    stderr,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const controller = new AbortController();
    invoking = controller;
    run.disabled = true;
    cancel.disabled = false;
    stdout.replaceChildren();
    stderr.replaceChildren();
    stderr.hidden = true;
    outcome.replaceChildren(h("span", { class: "muted", text: "Starting a sandbox…" }));
    try {
      const response = await apiFetch(`${agentPath(agent.name)}/invoke`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify({ prompt: prompt.value }),
        signal: controller.signal,
      });
      if (!response.ok || !response.body) throw await errorFrom(response);
      for await (const frame of readSse(response.body)) {
        const data = JSON.parse(frame.data);
        // Appended as text nodes: the agent's output is data, never markup.
        if (data.type === "stdout") stdout.append(String(data.content ?? ""));
        else if (data.type === "stderr") {
          stderr.hidden = false;
          stderr.append(String(data.content ?? ""));
        } else if (data.type === "system") outcome.replaceChildren(agentPill("running"));
        else if (data.type === "result") {
          outcome.replaceChildren(
            h("span", {
              class: "pill",
              "data-status": "completed",
              text: `exit ${data.exitCode ?? 0} · ${data.durationSecs ?? "?"} s`,
            }),
          );
        } else if (data.type === "error") {
          outcome.replaceChildren(errorCallout({ code: data.code, content: data.content }));
        }
      }
    } catch (error) {
      const {
        code,
        message: text,
        details,
      } = controller.signal.aborted
        ? { code: "CANCELLED", message: "cancelled: the sandbox is being destroyed", details: [] }
        : describeError(error);
      outcome.replaceChildren(errorCallout({ code, content: text, details }));
    } finally {
      if (invoking === controller) invoking = undefined;
      run.disabled = false;
      cancel.disabled = true;
    }
  });
  return form;
}

/** @param {Agent} agent */
function renderDetail(agent) {
  const versions = [...agent.versions].sort((a, b) => b.version - a.version);
  const table = h(
    "table",
    { class: "runs-table agent-versions" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Version", "Status", "Deployed", ""].map((label) =>
          h("th", { scope: "col", text: label }),
        ),
      ),
    ),
    h("tbody", {}, versions.map(versionRow(agent))),
  );
  return [
    h("h2", { class: "section-title", text: `${agent.name} · versions` }),
    h("div", { class: "panel table-wrap" }, table),
  ];
}

/** Reloads the list and the selected agent's versions; the invoke box is kept while it runs. */
async function load() {
  const mine = ++generation;
  try {
    const { agents } = /** @type {{ agents: Agent[] }} */ (await apiJson("/agents"));
    if (mine !== generation) return;
    list.replaceChildren(...agents.map(agentRow));
    message.replaceChildren();
    if (agents.length === 0) {
      message.append(
        h("p", { class: "empty", text: "No agents yet: sandcaster agents deploy ./my-agent" }),
      );
    }
    const agent = agents.find((a) => a.name === selected);
    if (!agent) {
      detail.replaceChildren();
      return;
    }
    const versions = detail.querySelector(".agent-versions-block");
    const block = h("div", { class: "agent-versions-block" }, renderDetail(agent));
    if (versions) versions.replaceWith(block);
    else detail.replaceChildren(block, invokeBox(agent));
  } catch (error) {
    if (mine !== generation) return;
    const { code, message: text, details } = describeError(error);
    message.replaceChildren(errorCallout({ code, content: text, details }));
  }
}

function route() {
  const [page, name] = location.hash.slice(2).split("/");
  if (page !== "agents") {
    if (!section.hidden) {
      section.hidden = true;
      clearInterval(timer);
      invoking?.abort();
    }
    return;
  }
  for (const other of document.querySelectorAll("main > .page")) {
    if (other instanceof HTMLElement) other.hidden = other !== section;
  }
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.getAttribute("data-nav") === "agents") link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = "Agents · Sandcaster";
  const next = name ? decodeURIComponent(name) : undefined;
  if (next !== selected) {
    invoking?.abort();
    detail.replaceChildren();
  }
  selected = next;
  section.hidden = false;
  clearInterval(timer);
  timer = setInterval(() => {
    if (document.visibilityState === "visible") void load();
  }, REFRESH_MS);
  void load();
}

window.addEventListener("hashchange", route);
route();
