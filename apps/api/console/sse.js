// Server-Sent Events parsing for fetch() bodies (EventSource cannot POST or send headers), per the
// WHATWG "event stream interpretation": lines end in CRLF, LF or CR; a blank line dispatches.

/** @typedef {{ id: string | undefined, event: string, data: string }} SseMessage */

/**
 * A push parser: feed it decoded text in any chunking; `onMessage` gets each complete message.
 * Comments (heartbeats) are dropped; an unfinished message at the end of the stream is discarded.
 * @param {(message: SseMessage) => void} onMessage
 */
export function createSseParser(onMessage) {
  let buffer = "";
  let scanned = 0;
  let started = false;
  /** @type {string[]} */
  let data = [];
  let eventType = "";
  /** @type {string | undefined} */
  let lastId;

  /** @param {string} line */
  function processLine(line) {
    if (line === "") {
      if (data.length > 0)
        onMessage({ id: lastId, event: eventType || "message", data: data.join("\n") });
      data = [];
      eventType = "";
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") eventType = value;
    else if (field === "id" && !value.includes("\0")) lastId = value;
  }

  return {
    /** @param {string} text */
    push(text) {
      buffer += text;
      if (!started && buffer.length > 0) {
        started = true;
        if (buffer.startsWith("\uFEFF")) buffer = buffer.slice(1);
      }
      const endOfLine = /\r\n|\r|\n/g;
      endOfLine.lastIndex = scanned;
      let start = 0;
      for (let match = endOfLine.exec(buffer); match; match = endOfLine.exec(buffer)) {
        // A CR that ends the chunk may be the first half of a CRLF: decide when more arrives.
        if (match[0] === "\r" && match.index === buffer.length - 1) break;
        processLine(buffer.slice(start, match.index));
        start = match.index + match[0].length;
      }
      buffer = buffer.slice(start);
      // Resume the search where it stopped instead of rescanning a long partial line.
      scanned = buffer.endsWith("\r") ? buffer.length - 1 : buffer.length;
    },
    /** The stream ended: a line held back for a possible LF ends here; an unfinished message is dropped. */
    end() {
      if (buffer.endsWith("\r")) processLine(buffer.slice(0, -1));
      buffer = "";
      scanned = 0;
      data = [];
      eventType = "";
    },
  };
}

/**
 * The messages of a response body, as they arrive. Breaking out of the loop cancels the body.
 * @param {ReadableStream<BufferSource>} body
 * @returns {AsyncGenerator<SseMessage>}
 */
export async function* readSse(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  /** @type {SseMessage[]} */
  const ready = [];
  const parser = createSseParser((message) => ready.push(message));
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.push(value);
      for (const message of ready.splice(0)) yield message;
    }
    parser.end();
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
