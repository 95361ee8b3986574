// The console's entry: hash routes (#/ playground, #/runs, #/runs/<id>, #/sessions, #/pipelines)
// and the header's key button.
import { forgetKey, hasKey } from "./api.js";
import { $ } from "./dom.js";
import { createPipelinePage } from "./pipeline-page.js";
import { createPlayground } from "./playground.js";
import { createRunPage } from "./run-page.js";
import { createRunsPage } from "./runs-page.js";
import { createSessionsPage } from "./sessions-page.js";

const pages = {
  playground: $("#page-playground", HTMLElement),
  runs: $("#page-runs", HTMLElement),
  run: $("#page-run", HTMLElement),
  sessions: $("#page-sessions", HTMLElement),
  pipelines: $("#page-pipelines", HTMLElement),
};
const titles = {
  playground: "Playground",
  runs: "Runs",
  run: "Run",
  sessions: "Sessions",
  pipelines: "Pipelines",
};

const playground = createPlayground();
const runsPage = createRunsPage();
const runPage = createRunPage();
const sessionsPage = createSessionsPage({
  onContinue(id) {
    location.hash = "#/";
    playground.continueSession(id);
  },
});
const pipelinePage = createPipelinePage();

/** @param {keyof typeof pages} name */
function showPage(name) {
  for (const [key, page] of Object.entries(pages)) page.hidden = key !== name;
  for (const link of document.querySelectorAll("[data-nav]")) {
    const current = link.getAttribute("data-nav") === (name === "run" ? "runs" : name);
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${titles[name]} · Sandcaster`;
}

function route() {
  const hash = location.hash;
  // In-page anchors (the skip link) are not routes.
  if (hash !== "" && !hash.startsWith("#/")) return;
  const [section, id] = hash.slice(2).split("/");
  if (section === "runs" && id) {
    runsPage.hide();
    showPage("run");
    void runPage.show(decodeURIComponent(id));
    return;
  }
  runPage.hide();
  if (section !== "runs") runsPage.hide();
  if (section !== "sessions") sessionsPage.hide();
  if (section === "runs") {
    showPage("runs");
    void runsPage.show();
  } else if (section === "sessions") {
    showPage("sessions");
    void sessionsPage.show();
  } else if (section === "pipelines") {
    showPage("pipelines");
    void pipelinePage.show();
  } else showPage("playground");
}

const forget = $("#forget-key", HTMLButtonElement);
const syncKeyButton = () => {
  forget.hidden = !hasKey();
};
forget.addEventListener("click", () => {
  forgetKey();
  syncKeyButton();
});
window.addEventListener("sandcaster:key", syncKeyButton);
window.addEventListener("hashchange", route);
syncKeyButton();
route();
