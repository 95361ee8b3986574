// The soak's checks of one run: what its client saw live against what any instance replays, and
// the run's final status against its terminal event.

/** Reads an SSE body; calls onEvent(seen) after each event. {events, complete} (false when cut). */
export async function readStream(response, onEvent) {
  const events = [];
  const decoder = new TextDecoder();
  let buffer = "";
  let complete = true;
  try {
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf("\n\n");
        const id = /^id: ?(.*)$/m.exec(frame)?.[1];
        const data = /^data: ?(.*)$/m.exec(frame)?.[1];
        if (id === undefined || data === undefined) continue;
        events.push({ id: Number(id), data: JSON.parse(data) });
        onEvent?.(events);
      }
    }
  } catch {
    complete = false;
  }
  return { events, complete };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const isEnd = (event) => event.data.type === "result" || event.data.type === "error";

/**
 * What an SDK client does when a stream closes cleanly without the run's end (its server could not
 * store the end yet): resume with Last-Event-ID until the end comes. Appends to `live`.
 */
export async function resumeToEnd(slots, runId, live) {
  const fiveXx = { count: 0 };
  for (let attempt = 0; attempt < 20 && live.complete && !live.events.some(isEnd); attempt++) {
    const after = live.events.at(-1)?.id;
    const headers = after === undefined ? {} : { "Last-Event-ID": String(after) };
    const response = await get(slots, `/runs/${runId}/events`, fiveXx, { headers });
    if (!response) break;
    const more = await readStream(response);
    live.events.push(...more.events);
    live.resumed = (live.resumed ?? 0) + 1;
    if (more.events.length === 0) await sleep(500);
  }
  return fiveXx.count;
}
const essential = (event) => ["result", "error", "system"].includes(event.type);

/** GET through whichever instance is up; 503 and refused connections are retried (so is 404, `tries` times). */
async function get(slots, path, fiveXx, { headers = {}, tries = 150 } = {}) {
  for (let attempt = 0; attempt < tries; attempt++) {
    const slot = slots.filter((s) => !s.down)[attempt % 2] ?? slots.find((s) => !s.down);
    if (slot) {
      const response = await fetch(new URL(path, slot.instance.url), { headers }).catch(
        () => undefined,
      );
      if (response?.status === 200) return response;
      if (response && response.status >= 500 && response.status !== 503) fiveXx.count++;
      await response?.body?.cancel().catch(() => undefined);
    }
    await sleep(200);
  }
  return undefined;
}

/**
 * {stuck, lost, duplicated, mismatched, fiveXx, problem}: lost counts events the client saw that no
 * replay has (except past the per-run cap, and the unflushed tail of a run whose server was killed).
 * `instance`: where the run ran; its `killed` is read at the end (a kill may come while we wait).
 */
export async function checkRun(slots, runId, live, scenario, instance) {
  const fiveXx = { count: 0 };
  const verdict = {
    stuck: false,
    lost: 0,
    duplicated: 0,
    mismatched: false,
    fiveXx: 0,
    problem: undefined,
  };
  let record;
  // A run whose server was killed ends when the other instance declares it lost (staleAfter + a round).
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const response = await get(slots, `/runs/${runId}`, fiveXx, { tries: 25 });
    record = response ? await response.json() : undefined;
    if (record && record.status !== "running") break;
    await sleep(500);
  }
  verdict.fiveXx = fiveXx.count;
  if (!record && live.events.length === 0) {
    // Answered 200 with an X-Run-Id the store never learnt: headers must wait for the record.
    verdict.neverStarted = true;
    verdict.problem = "answered 200, but /runs/:id stays 404";
    return verdict;
  }
  if (!record || record.status === "running") {
    verdict.stuck = true;
    verdict.problem = `still ${record?.status ?? "unrecorded"} after 30 s`;
    return verdict;
  }
  // A replay cut by an instance going down (SIGTERM, kill -9) is read again.
  let replay;
  for (let attempt = 0; attempt < 10 && replay === undefined; attempt++) {
    const response = await get(slots, `/runs/${runId}/events`, fiveXx);
    if (!response) break;
    const read = await readStream(response);
    if (read.complete) replay = read.events;
  }
  verdict.fiveXx = fiveXx.count;
  if (replay === undefined) {
    verdict.stuck = true;
    verdict.problem = "no complete replay";
    return verdict;
  }
  const last = replay.at(-1)?.data;
  const liveById = new Map(live.events.map((e) => [e.id, e.data]));
  const replayById = new Map();
  let previous = 0;
  let truncatedAt = Number.POSITIVE_INFINITY;
  for (const event of replay) {
    if (event.id <= previous) verdict.duplicated++;
    previous = event.id;
    replayById.set(event.id, event.data);
    if (event.data.type === "warning" && event.data.code === "EVENTS_TRUNCATED") {
      truncatedAt = Math.min(truncatedAt, event.id);
      continue;
    }
    const seen = liveById.get(event.id);
    if (seen !== undefined && JSON.stringify(seen) !== JSON.stringify(event.data)) {
      verdict.mismatched = true;
      verdict.problem = `event ${event.id} differs between live and replay`;
    }
  }
  const maxStored = Math.max(
    0,
    ...replay.filter((e) => e.data.code !== "SERVER_LOST").map((e) => e.id),
  );
  const serverLost = last?.type === "error" && last.code === "SERVER_LOST";
  for (const event of live.events) {
    if (replayById.has(event.id)) continue;
    if (event.id >= truncatedAt && !essential(event.data)) continue;
    // Killed before its last batch was written: that tail is gone, and SERVER_LOST follows it.
    if (serverLost && event.id > maxStored) continue;
    verdict.lost++;
    verdict.problem ??= `event ${event.id} (${event.data.type}) seen live is not in the replay`;
  }
  const end = replay.at(-1);
  const isTheEnd = (e) => e.id === end.id && JSON.stringify(e.data) === JSON.stringify(end.data);
  if (serverLost && live.events.some((e) => e.id >= end.id && !isTheEnd(e))) {
    verdict.mismatched = true;
    verdict.problem = "SERVER_LOST reuses an id the client saw";
  }
  // Shown live by a server that was not killed: the run was declared lost while it still ran.
  verdict.sweptAlive = serverLost && live.events.some(isTheEnd) && !instance.killed;
  if (live.complete && !scenario.leaveAfter && live.events.length > 0) {
    const liveLast = live.events.at(-1);
    if (serverLost && instance.killed && !isTheEnd(liveLast)) {
      // Its server streamed the end, then died (kill -9) before the outcome reached the store.
      verdict.killedBeforeRecorded = true;
    } else if (JSON.stringify(liveLast.data) !== JSON.stringify(last)) {
      verdict.mismatched = true;
      verdict.problem = `live ended with ${liveLast.data.type} ${liveLast.data.code ?? ""}, replay with ${last?.type} ${last?.code ?? ""}`;
    }
  }
  const expected =
    last?.type === "result" ? "completed" : last?.code === "CANCELLED" ? "cancelled" : "error";
  // The record says its error as `errorCode` (upstream's shape).
  const code = record.errorCode ?? record.error?.code;
  if (record.status !== expected || (last?.type === "error" && code !== last.code)) {
    verdict.mismatched = true;
    verdict.problem = `status ${record.status} ${code ?? ""} but the replay ends with ${last?.type} ${last?.code ?? ""}`;
  }
  return verdict;
}
