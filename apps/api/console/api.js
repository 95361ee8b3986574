// Calls the Sandcaster API from the page: the key (asked for on the first 401, kept for the browser
// session) goes in Authorization; error bodies become ApiError with the server's code.
import { askForKey } from "./key-dialog.js";

const KEY_STORAGE = "sandcaster.apiKey";

/** @typedef {{ field: string, message: string }} ErrorDetail */

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {ErrorDetail[]} [details]
   * @param {string | null} [retryAfter]
   */
  constructor(status, code, message, details = [], retryAfter = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }
}

/**
 * The ApiError a non-2xx response stands for (a non-JSON body still gives one).
 * @param {Response} response
 */
export async function errorFrom(response) {
  /** @type {{ error?: unknown, code?: unknown, details?: unknown }} */
  let body = {};
  try {
    body = await response.json();
  } catch {
    // not JSON: a proxy's page, say
  }
  return new ApiError(
    response.status,
    typeof body.code === "string" ? body.code : `HTTP_${response.status}`,
    typeof body.error === "string" ? body.error : `${response.status} ${response.statusText}`,
    Array.isArray(body.details) ? body.details : [],
    response.headers.get("retry-after"),
  );
}

export function hasKey() {
  return sessionStorage.getItem(KEY_STORAGE) !== null;
}

export function forgetKey() {
  sessionStorage.removeItem(KEY_STORAGE);
  window.dispatchEvent(new Event("sandcaster:key"));
}

/**
 * fetch() with the key; on 401 asks for a key and tries again, until it works or is cancelled.
 * @param {string} path
 * @param {RequestInit} [init] a string body, so it can be sent again
 * @returns {Promise<Response>}
 */
export async function apiFetch(path, init = {}) {
  for (;;) {
    const key = sessionStorage.getItem(KEY_STORAGE);
    const headers = new Headers(init.headers);
    if (key) headers.set("authorization", `Bearer ${key}`);
    const response = await fetch(path, { ...init, headers });
    if (response.status !== 401) return response;
    if (key) sessionStorage.removeItem(KEY_STORAGE);
    const entered = await askForKey(
      key ? "The server refused that key. Check it and try again." : "",
    );
    if (entered === null) throw await errorFrom(response);
    sessionStorage.setItem(KEY_STORAGE, entered);
    window.dispatchEvent(new Event("sandcaster:key"));
  }
}

/**
 * GET or POST for JSON; non-2xx throws ApiError.
 * @param {string} path
 * @param {RequestInit} [init]
 * @returns {Promise<any>}
 */
export async function apiJson(path, init) {
  const response = await apiFetch(path, init);
  if (!response.ok) throw await errorFrom(response);
  return response.json();
}

/**
 * GET /runs: the array of runs, and the next page's cursor from its `Link: <…>; rel="next"`.
 * @param {string} path
 * @returns {Promise<{ runs: import("./types.js").RunRecord[], nextCursor?: string }>}
 */
export async function runsPage(path) {
  const response = await apiFetch(path);
  if (!response.ok) throw await errorFrom(response);
  const runs = await response.json();
  const next = /<([^>]*)>\s*;\s*rel="?next"?/.exec(response.headers.get("link") ?? "");
  const cursor = next?.[1] ? new URL(next[1], location.href).searchParams.get("cursor") : null;
  return cursor ? { runs, nextCursor: cursor } : { runs };
}

/**
 * What to show for a failure: the server's code, message and field details when it sent them.
 * @param {unknown} error
 * @returns {{ code?: string, message: string, details?: ErrorDetail[] }}
 */
export function describeError(error) {
  if (error instanceof ApiError) {
    const retry = error.retryAfter ? ` (retry in ${error.retryAfter} s)` : "";
    return { code: error.code, message: `${error.message}${retry}`, details: error.details };
  }
  return { code: "NETWORK", message: error instanceof Error ? error.message : String(error) };
}
