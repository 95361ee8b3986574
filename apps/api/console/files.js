// Picked files → the request's `files`: UTF-8 text as a string, anything else base64-encoded.

/** @typedef {string | { content: string, encoding: "base64" }} RequestFile */

/** @param {Uint8Array} bytes */
export function encodeBase64(bytes) {
  let binary = "";
  // Chunks keep String.fromCharCode's argument list short.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Text when it is valid UTF-8 without NUL bytes, else base64. @param {Uint8Array} bytes @returns {RequestFile} */
export function requestFile(bytes) {
  if (!bytes.includes(0)) {
    try {
      return strictUtf8.decode(bytes);
    } catch {
      // not UTF-8: send the bytes
    }
  }
  return { content: encodeBase64(bytes), encoding: "base64" };
}

/**
 * @param {Iterable<File>} files
 * @returns {Promise<Record<string, RequestFile>>}
 */
export async function readRequestFiles(files) {
  /** @type {Record<string, RequestFile>} */
  const out = {};
  for (const file of files) {
    out[file.name] = requestFile(new Uint8Array(await file.arrayBuffer()));
  }
  return out;
}
