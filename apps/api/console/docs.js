// The API reference at /docs: /openapi.json rendered in the page (text only, never HTML from the document).

import { resolve, schemaView } from "./docs-schema.js";
import { h } from "./dom.js";

/** @typedef {Record<string, any>} Json */

const METHODS = ["get", "post", "put", "patch", "delete"];

/** @param {string} method @param {string} path */
const anchorOf = (method, path) =>
  `op-${method}-${path.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "")}`;

/** @param {Json} doc @param {Json[]} parameters */
function parameterTable(doc, parameters) {
  const rows = parameters.map((p) => resolve(doc, p)).filter((p) => p && p.name !== "X-Request-Id");
  if (rows.length === 0) return null;
  return h(
    "table",
    { class: "docs-params" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ...["Name", "In", "Type", "Description"].map((t) => h("th", { scope: "col", text: t })),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map((p) =>
        h(
          "tr",
          {},
          h(
            "td",
            {},
            h("code", { text: p.name }),
            p.required ? h("span", { class: "req", text: " required" }) : null,
          ),
          h("td", { text: p.in }),
          h("td", {}, schemaView(doc, p.schema ?? {}, 0)),
          h("td", { text: p.description ?? "" }),
        ),
      ),
    ),
  );
}

/** @param {Json} doc @param {Json | undefined} content */
function contentList(doc, content) {
  if (!content) return null;
  return Object.entries(content).map(([type, media]) =>
    h(
      "div",
      { class: "docs-media" },
      h("code", { class: "muted", text: type }),
      schemaView(doc, media.schema ?? {}, 0),
    ),
  );
}

/** @param {Json} doc @param {string} method @param {string} path @param {Json} op */
function operationView(doc, method, path, op) {
  const body = op.requestBody ? resolve(doc, op.requestBody) : undefined;
  const isPublic = Array.isArray(op.security) && op.security.length === 0;
  return h(
    "section",
    { class: "panel docs-op", id: anchorOf(method, path) },
    h(
      "h3",
      { class: "docs-op-title" },
      h("span", { class: "method", "data-method": method, text: method.toUpperCase() }),
      h("code", { class: "docs-path", text: path }),
      isPublic ? h("span", { class: "pill", "data-status": "completed", text: "public" }) : null,
    ),
    h("p", { class: "docs-summary", text: op.summary ?? "" }),
    op.description ? h("p", { class: "muted", text: op.description }) : null,
    parameterTable(doc, op.parameters ?? []),
    body ? h("h4", { text: "Request body" }) : null,
    body ? contentList(doc, body.content) : null,
    h("h4", { text: "Responses" }),
    h(
      "dl",
      { class: "docs-responses" },
      Object.entries(op.responses ?? {}).map(([status, raw]) => {
        const response = resolve(doc, raw);
        return h(
          "div",
          { "data-status-code": status },
          h("dt", {}, h("code", { text: status })),
          h(
            "dd",
            {},
            h("p", { text: response?.description ?? "" }),
            contentList(doc, response?.content),
          ),
        );
      }),
    ),
  );
}

/** @param {Json} doc */
export function renderDocs(doc) {
  const index = /** @type {HTMLElement} */ (document.getElementById("docs-index"));
  const body = /** @type {HTMLElement} */ (document.getElementById("docs-body"));
  const tags = /** @type {Json[]} */ (doc.tags ?? []);
  const ops = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => ({ method: m, path, op: item[m] })),
  );
  const sections = tags.map((tag) => {
    const mine = ops.filter(({ op }) => (op.tags ?? [])[0] === tag.name);
    return { tag, mine };
  });
  index.replaceChildren(
    ...sections.map(({ tag, mine }) =>
      h(
        "div",
        {},
        h("h2", { text: tag.name }),
        h(
          "ul",
          {},
          mine.map(({ method, path }) =>
            h(
              "li",
              {},
              h(
                "a",
                { href: `#${anchorOf(method, path)}` },
                h("span", { class: "method", "data-method": method, text: method.toUpperCase() }),
                ` ${path}`,
              ),
            ),
          ),
        ),
      ),
    ),
  );
  body.replaceChildren(
    h(
      "header",
      { class: "docs-head" },
      h("h1", { text: `${doc.info?.title ?? "API"} API` }),
      h("p", {
        class: "muted",
        text: `Version ${doc.info?.version ?? "?"} · OpenAPI ${doc.openapi ?? "?"}`,
      }),
      h("p", { text: doc.info?.description ?? "" }),
      h("p", {
        class: "muted",
        text: "Authentication: send Authorization: Bearer <SANDCASTER_API_KEY> unless an operation is marked public.",
      }),
    ),
    ...sections.map(({ tag, mine }) =>
      h(
        "section",
        { class: "docs-tag", "aria-labelledby": `tag-${tag.name}` },
        h("h2", { id: `tag-${tag.name}`, text: tag.name }),
        h("p", { class: "muted", text: tag.description ?? "" }),
        mine.map(({ method, path, op }) => operationView(doc, method, path, op)),
      ),
    ),
  );
  // The page's own anchors work once the content exists.
  if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
}

async function main() {
  const body = /** @type {HTMLElement} */ (document.getElementById("docs-body"));
  try {
    const response = await fetch("/openapi.json");
    if (!response.ok) throw new Error(`GET /openapi.json answered ${response.status}`);
    renderDocs(await response.json());
  } catch (error) {
    body.replaceChildren(
      h("p", {
        class: "callout error",
        role: "alert",
        text: `The API description could not be loaded: ${String(error)}`,
      }),
    );
  }
}

void main();
