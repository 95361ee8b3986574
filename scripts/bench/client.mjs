// The benchmarks' SSE client: POST /query over undici, frames split as they arrive, cheaply (only
// the event name and id of each frame are read; the data JSON only of the last frame), so the
// client keeps up with the server it measures.
import { Agent, request } from "undici";

export function createAgent(connections = 2000) {
  return new Agent({
    connections,
    headersTimeout: 60_000,
    bodyTimeout: 120_000,
    // Below the server's keep-alive timeout (Node: 5 s), so an idle pooled connection is never reused
    // just as the server closes it.
    keepAliveTimeout: 2_000,
    keepAliveMaxTimeout: 2_000,
  });
}

function frameField(frame, name) {
  const key = `${name}: `;
  let start;
  if (frame.startsWith(key)) start = key.length;
  else {
    const at = frame.indexOf(`\n${key}`);
    if (at < 0) return undefined;
    start = at + 1 + key.length;
  }
  const end = frame.indexOf("\n", start);
  return frame.slice(start, end < 0 ? undefined : end);
}

/**
 * One /query, read to its end (or until `signal` aborts).
 * Times are ms since the request was sent: headersMs (status line and headers: the first byte),
 * firstEventMs (the first frame, `system/init`), endMs (the body's end).
 * `onEvent(type, count)` hears every frame, as it arrives; `gate` (connectGate()) bounds how many
 * requests wait for their headers at once.
 */
export async function query(url, body, { dispatcher, signal, onEvent, gate } = {}) {
  const leave = gate ? await gate() : () => {};
  const started = performance.now();
  const outcome = {
    status: 0,
    headersMs: Number.NaN,
    firstEventMs: Number.NaN,
    firstTypeMs: {},
    /** ms of the first events (init, sandbox_ready, the runner's first, …) */
    eventMs: [],
    resultMs: Number.NaN,
    endMs: Number.NaN,
    events: 0,
    idsInOrder: true,
    firstEvent: undefined,
    lastType: undefined,
    lastData: undefined,
    error: undefined,
  };
  try {
    const response = await request(new URL("/query", url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      dispatcher,
      signal,
    });
    outcome.status = response.statusCode;
    outcome.headersMs = performance.now() - started;
    leave();
    if (response.statusCode !== 200) {
      outcome.error = await response.body.text();
      outcome.endMs = performance.now() - started;
      return outcome;
    }
    response.body.setEncoding("utf8");
    let buffer = "";
    let lastFrame = "";
    for await (const chunk of response.body) {
      buffer += chunk;
      let start = 0;
      for (;;) {
        const end = buffer.indexOf("\n\n", start);
        if (end < 0) break;
        const frame = buffer.slice(start, end);
        start = end + 2;
        if (frame.startsWith(":")) continue; // heartbeat comment
        outcome.events++;
        const id = frameField(frame, "id");
        if (id !== String(outcome.events)) outcome.idsInOrder = false;
        const type = frameField(frame, "event");
        if (outcome.events === 1) {
          outcome.firstEventMs = performance.now() - started;
          outcome.firstEvent = JSON.parse(frameField(frame, "data") ?? "null");
        }
        if (type && !(type in outcome.firstTypeMs))
          outcome.firstTypeMs[type] = performance.now() - started;
        if (outcome.events <= 4) outcome.eventMs.push(performance.now() - started);
        if (type === "result") outcome.resultMs = performance.now() - started;
        outcome.lastType = type;
        lastFrame = frame;
        onEvent?.(type, outcome.events);
      }
      buffer = buffer.slice(start);
    }
    outcome.endMs = performance.now() - started;
    if (lastFrame) outcome.lastData = JSON.parse(frameField(lastFrame, "data") ?? "null");
  } catch (error) {
    outcome.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    outcome.endMs = performance.now() - started;
  } finally {
    leave();
  }
  return outcome;
}

/** At most `limit` requests between sending and their headers (stays below the listen backlog). */
export function connectGate(limit) {
  let inFlight = 0;
  const waiting = [];
  return async function enter() {
    if (inFlight >= limit) await new Promise((resolve) => waiting.push(resolve));
    else inFlight++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const next = waiting.shift();
      if (next) next();
      else inFlight--;
    };
  };
}
