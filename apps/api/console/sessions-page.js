// Sessions: GET /sessions (deleted ones on request), a new session, and per session: continue it
// in the playground, download its workspace (GET /sessions/:id/workspace, a tar), delete it.
import { apiFetch, apiJson, describeError, errorFrom } from "./api.js";
import { $, h } from "./dom.js";
import { formatCost, formatDate } from "./format.js";
import { errorCallout } from "./transcript.js";

/**
 * @typedef {{ id: string, name?: string, status: "active" | "expired" | "deleted",
 *   sandboxProvider: string, turns: number, lastActiveAt: string, activeRunId?: string,
 *   totalCostUsd?: number }} SessionView
 */

/** @param {{ onContinue: (id: string) => void }} options */
export function createSessionsPage({ onContinue }) {
  const rows = $("#sessions-rows", HTMLTableSectionElement);
  const message = $("#sessions-message", HTMLElement);
  const showDeleted = $("#sessions-deleted", HTMLInputElement);
  const provider = $("#sessions-sandbox", HTMLSelectElement);
  const create = $("#sessions-new", HTMLButtonElement);
  /** @type {string[]} object URLs of downloads, freed when the page is left */
  const urls = [];
  let generation = 0;

  /** @param {unknown} error */
  function fail(error) {
    const { code, message: text, details } = describeError(error);
    message.replaceChildren(errorCallout({ code, content: text, details }));
  }

  /** The tar comes with the key, so it is fetched here and handed to the browser as a Blob. */
  async function download(
    /** @type {SessionView} */ session,
    /** @type {HTMLButtonElement} */ button,
  ) {
    button.disabled = true;
    button.textContent = "Preparing…";
    try {
      const response = await apiFetch(`/sessions/${encodeURIComponent(session.id)}/workspace`);
      if (!response.ok) throw await errorFrom(response);
      const url = URL.createObjectURL(await response.blob());
      urls.push(url);
      const link = h("a", { href: url, download: `${session.id}.tar`, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
    } catch (error) {
      fail(error);
    } finally {
      button.disabled = false;
      button.textContent = "Workspace";
    }
  }

  /** @param {SessionView} session */
  function row(session) {
    const live = session.status === "active";
    const name = session.name ? h("strong", { text: session.name }) : null;
    const state = session.activeRunId ? "running" : session.status;
    const actions = h("td", { class: "row-actions" });
    if (live) {
      const download_ = h("button", {
        type: "button",
        class: "button small",
        text: "Workspace",
        title: "Download the workspace as a tar archive",
        "aria-label": `Download the workspace of ${session.name ?? session.id}`,
      });
      download_.addEventListener("click", () => void download(session, download_));
      const remove = h("button", {
        type: "button",
        class: "button small ghost",
        text: "Delete",
        "aria-label": `Delete ${session.name ?? session.id}`,
      });
      remove.addEventListener("click", async () => {
        remove.disabled = true;
        try {
          const path = `/sessions/${encodeURIComponent(session.id)}`;
          const response = await apiFetch(path, { method: "DELETE" });
          if (!response.ok) throw await errorFrom(response);
          await load();
        } catch (error) {
          fail(error);
        }
      });
      actions.append(
        h("button", {
          type: "button",
          class: "button small primary",
          text: "Continue",
          "aria-label": `Continue ${session.name ?? session.id} in the playground`,
          onclick: () => onContinue(session.id),
        }),
        download_,
        remove,
      );
    }
    return h(
      "tr",
      { "data-session": session.id },
      h("td", {}, h("span", { class: "pill", "data-status": state, text: state })),
      h("td", { class: "session-cell" }, name, h("code", { class: "short-id", text: session.id })),
      h("td", { text: session.sandboxProvider }),
      h("td", { class: "num", text: String(session.turns) }),
      h("td", { class: "num", text: formatCost(session.totalCostUsd) }),
      h("td", { class: "nowrap", text: formatDate(session.lastActiveAt) }),
      actions,
    );
  }

  async function load() {
    const mine = ++generation;
    message.replaceChildren(h("span", { class: "muted", text: "Loading…" }));
    try {
      /** @type {SessionView[]} */
      const sessions = await apiJson("/sessions?limit=100");
      if (mine !== generation) return;
      // Deleted sessions are history: listed only when asked for.
      const shown = showDeleted.checked ? sessions : sessions.filter((s) => s.status !== "deleted");
      rows.replaceChildren(...shown.map(row));
      message.replaceChildren();
      if (shown.length === 0)
        message.append(
          h("p", {
            class: "empty",
            text: "No sessions. A session keeps its workspace and conversation across runs: start one with New session.",
          }),
        );
    } catch (error) {
      if (mine === generation) fail(error);
    }
  }

  showDeleted.addEventListener("change", () => void load());
  create.addEventListener("click", async () => {
    create.disabled = true;
    try {
      const body = provider.value ? { sandboxProvider: provider.value } : {};
      await apiJson("/sessions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      await load();
    } catch (error) {
      fail(error);
    } finally {
      create.disabled = false;
    }
  });

  return {
    show: load,
    hide() {
      generation += 1;
      for (const url of urls.splice(0)) URL.revokeObjectURL(url);
    },
  };
}
