// Files the run created or changed (`file` events): downloadable, text ones previewable.
import { h, uniqueId } from "./dom.js";
import { formatBytes } from "./format.js";

/** @typedef {import("./types.js").RunEvent} RunEvent */

const PREVIEW_LIMIT = 64 * 1024;

/** @param {string} base64 @returns {Uint8Array<ArrayBuffer>} */
export function decodeBase64(base64) {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The file's bytes as a Blob. @param {RunEvent} event */
export function artifactBlob(event) {
  return event.encoding === "base64"
    ? new Blob([decodeBase64(event.content)], { type: "application/octet-stream" })
    : new Blob([event.content], { type: "text/plain;charset=utf-8" });
}

export function createArtifacts() {
  const list = h("ul", { class: "artifact-list" });
  const titleId = uniqueId("artifacts-title");
  const title = h("h3", { id: titleId, text: "Files" });
  const element = h(
    "section",
    { class: "panel artifacts", "aria-labelledby": titleId, hidden: true },
    title,
    list,
  );
  /** @type {string[]} */
  const urls = [];

  return {
    element,
    /** @param {RunEvent} event */
    add(event) {
      const path = event.path ?? "file";
      const blob = artifactBlob(event);
      const url = URL.createObjectURL(blob);
      urls.push(url);
      const name = path.split("/").pop() || "file";
      const text = event.encoding !== "base64";
      list.append(
        h(
          "li",
          { class: "artifact" },
          h(
            "div",
            { class: "artifact-head" },
            h("span", { class: "artifact-path", title: path, text: path }),
            h("span", {
              class: "muted",
              text: `${formatBytes(blob.size)}${text ? "" : " · binary"}`,
            }),
            h("a", {
              class: "button small",
              href: url,
              download: name,
              text: "Download",
              "aria-label": `Download ${path}`,
            }),
          ),
          text && event.content.length <= PREVIEW_LIMIT
            ? h(
                "details",
                { class: "artifact-preview" },
                h("summary", { text: "Preview" }),
                h("pre", { text: event.content }),
              )
            : null,
        ),
      );
      element.hidden = false;
      title.textContent = `Files · ${list.children.length}`;
    },
    /** Frees the downloads' memory. */
    dispose() {
      for (const url of urls.splice(0)) URL.revokeObjectURL(url);
    },
  };
}
