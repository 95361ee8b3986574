// Sessions end to end: turn 2 (a new request, a fresh sandbox process) sees turn 1's files and
// conversation; one turn at a time (409); expiry (410) and DELETE free the workspace; the
// workspace downloads and uploads as tar — on local, docker and the E2B double.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type E2BDouble, type ScriptedTurn, startE2BDouble } from "@sandcaster/testkit";
import { hasService } from "@sandcaster/testkit/services";
import Docker from "dockerode";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { bridgeGateway, sandboxCases } from "./leftovers.js";
import { postQuery, readEvents } from "./sse.js";

const CASES = [
  ...(await sandboxCases()),
  { sandbox: "e2b" as const, enabled: hasService("bwrap") },
];
const docker = new Docker();

let t: TestServer | undefined;
let e2b: E2BDouble | undefined;
/** Temp dirs a test made for its archives; removed after it, pass or fail. */
const temps: string[] = [];
afterEach(async () => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
  await t?.close();
  t = undefined;
  await e2b?.close();
  e2b = undefined;
});

const TURN_1: ScriptedTurn[] = [
  {
    text: "Writing it down.",
    toolCalls: [{ name: "bash", input: { command: "echo 42 > number.txt" } }],
  },
  { text: "The number is 42." },
];
const TURN_2: ScriptedTurn[] = [
  { toolCalls: [{ name: "bash", input: { command: "cat number.txt" } }] },
  { text: "It was 42." },
];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

async function start(sandbox: "local" | "docker" | "e2b", turns: ScriptedTurn[]) {
  if (sandbox === "e2b") e2b = await startE2BDouble();
  t = await startTestServer({
    turns,
    sandbox,
    ...(sandbox === "docker" ? { modelHost: await bridgeGateway() } : {}),
    ...(e2b ? { e2b } : {}),
  });
  return t;
}

async function createSession(url: string, body: object = {}) {
  const response = await fetch(new URL("/sessions", url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; status: string; sandboxProvider: string };
}

/** The session's workspace as the server stores it, looked at directly. */
async function workspaceExists(server: TestServer, id: string): Promise<boolean> {
  const session = await server.store.sessions.get(id);
  const ref = session?.workspaceRef ?? "";
  if (session?.sandboxProvider === "local") return existsSync(ref);
  if (session?.sandboxProvider === "docker") {
    return docker
      .getVolume(ref)
      .inspect()
      .then(
        () => true,
        () => false,
      );
  }
  return (
    (e2b?.alive().some((s) => s.sandboxId === ref) ?? false) ||
    (e2b?.paused?.().some((s) => s.sandboxId === ref) ?? false)
  );
}

describe.each(CASES)("sessions on $sandbox", ({ sandbox, enabled }) => {
  it.skipIf(!enabled)(
    "turn 2 reads turn 1's file and the model gets turn 1's conversation",
    async () => {
      const server = await start(sandbox, [...TURN_1, ...TURN_2]);
      const session = await createSession(server.url, { sandboxProvider: sandbox, name: "demo" });
      expect(session).toMatchObject({ status: "active", sandboxProvider: sandbox });

      const first = await postQuery(server.url, { prompt: "Remember 42", sessionId: session.id });
      const firstRun = first.headers.get("x-run-id") ?? "";
      const one = await readEvents(first);
      expect(one.at(-1)?.data).toMatchObject({ type: "result", content: "The number is 42." });

      const callsBefore = server.double.requests.length;
      const second = await postQuery(server.url, {
        prompt: "What was the number?",
        sessionId: session.id,
      });
      const secondRun = second.headers.get("x-run-id") ?? "";
      const two = await readEvents(second);
      expect(two.at(-1)?.data).toMatchObject({ type: "result", content: "It was 42." });
      const read = two.find((e) => e.data.type === "tool_result")?.data;
      expect(read).toMatchObject({ isError: false, content: expect.stringContaining("42") });
      // turn 1's number.txt is not turn 2's artifact: it was not written in turn 2
      expect(two.filter((e) => e.data.type === "file")).toEqual([]);

      // The model's first call of turn 2 carries turn 1: prompt, answer, tool call and result.
      const body = JSON.stringify(server.double.requests[callsBefore]?.body);
      for (const part of [
        "Remember 42",
        "Writing it down.",
        "echo 42 > number.txt",
        "The number is 42.",
        "What was the number?",
      ]) {
        expect(body).toContain(part);
      }
      expect(body.indexOf("Remember 42")).toBeLessThan(body.indexOf("What was the number?"));

      const records = await Promise.all(
        [firstRun, secondRun].map(async (id) =>
          (await fetch(new URL(`/runs/${id}`, server.url))).json(),
        ),
      );
      for (const record of records) expect(record).toMatchObject({ sessionId: session.id });
      const after = (await (
        await fetch(new URL(`/sessions/${session.id}`, server.url))
      ).json()) as object;
      expect(after).toMatchObject({ turns: 2, status: "active" });
      expect(JSON.stringify(after)).not.toContain("workspace");

      expect(await workspaceExists(server, session.id)).toBe(true);
      const gone = await fetch(new URL(`/sessions/${session.id}`, server.url), {
        method: "DELETE",
      });
      expect(gone.status).toBe(204);
      expect(await workspaceExists(server, session.id)).toBe(false);
      const late = await postQuery(server.url, { prompt: "again", sessionId: session.id });
      expect(late.status).toBe(404);
      expect(await late.json()).toMatchObject({ code: "SESSION_NOT_FOUND" });
    },
    120_000,
  );

  it.skipIf(!enabled)(
    "one turn at a time: a concurrent query gets 409 SESSION_BUSY",
    async () => {
      const server = await start(sandbox, [
        { text: "slowly", delayMs: 2500 },
        { text: "right after" },
      ]);
      const session = await createSession(server.url, { sandboxProvider: sandbox });
      const slow = postQuery(server.url, { prompt: "take your time", sessionId: session.id });
      // Its headers come once the turn holds the session (startRun claims it before answering).
      const running = await slow;
      const busy = await postQuery(server.url, { prompt: "me too", sessionId: session.id });
      expect(busy.status).toBe(409);
      expect(await busy.json()).toMatchObject({ code: "SESSION_BUSY" });
      // nor can the session be deleted under the running turn
      const remove = await fetch(new URL(`/sessions/${session.id}`, server.url), {
        method: "DELETE",
      });
      expect(remove.status).toBe(409);
      // A client may start the next turn the moment it reads `result`, before the stream ends.
      const events = await readEvents(running, {
        until: (e) => e.data.type === "result",
      });
      const next = await postQuery(server.url, { prompt: "next", sessionId: session.id });
      expect(events.at(-1)?.data).toMatchObject({ type: "result" });
      expect(next.status).toBe(200);
      expect((await readEvents(next)).at(-1)?.data).toMatchObject({ content: "right after" });
    },
    60_000,
  );

  it.skipIf(!enabled)(
    "expiry frees the workspace and later turns get 410",
    async () => {
      const server = await start(sandbox, []);
      const session = await createSession(server.url, {
        sandboxProvider: sandbox,
        idleTimeoutSecs: 30,
      });
      expect(await workspaceExists(server, session.id)).toBe(true);
      // The sweep as it runs 31 s later (the server's timer does this every 15 s).
      const controller = new AbortController();
      expect(
        await server.sessions.sweepExpired(new Date(Date.now() + 31_000), controller.signal),
      ).toBe(1);
      expect(await workspaceExists(server, session.id)).toBe(false);
      const response = await postQuery(server.url, { prompt: "hello?", sessionId: session.id });
      expect(response.status).toBe(410);
      expect(await response.json()).toMatchObject({ code: "SESSION_EXPIRED" });
      expect(
        (await (await fetch(new URL(`/sessions/${session.id}`, server.url))).json()) as object,
      ).toMatchObject({
        status: "expired",
      });
    },
    60_000,
  );

  it.skipIf(!enabled)(
    "the workspace uploads and downloads as tar, binary files intact",
    async () => {
      const server = await start(sandbox, [
        {
          toolCalls: [
            {
              name: "bash",
              input: {
                command:
                  "node -e \"process.stdout.write(require('fs').readFileSync('seed/blob.bin').toString('hex'))\"; echo made > made.txt",
              },
            },
          ],
        },
        { text: "seen" },
      ]);
      const session = await createSession(server.url, { sandboxProvider: sandbox });
      const dir = tempDir("sandcaster-session-tar-");
      execFileSync("mkdir", ["-p", join(dir, "seed")]);
      writeFileSync(join(dir, "seed", "blob.bin"), Buffer.from([0, 1, 2, 254, 255, 10, 13]));
      const tar = execFileSync("tar", ["-C", dir, "-cf", "-", "seed"]);
      const put = await fetch(new URL(`/sessions/${session.id}/workspace`, server.url), {
        method: "PUT",
        headers: { "content-type": "application/x-tar" },
        body: tar,
      });
      expect(put.status).toBe(204);
      const events = await readEvents(
        await postQuery(server.url, { prompt: "look", sessionId: session.id }),
      );
      expect(events.find((e) => e.data.type === "tool_result")?.data).toMatchObject({
        content: expect.stringContaining("000102feff0a0d"),
      });
      const download = await fetch(new URL(`/sessions/${session.id}/workspace`, server.url));
      expect(download.status).toBe(200);
      expect(download.headers.get("content-type")).toContain("application/x-tar");
      const out = tempDir("sandcaster-session-out-");
      writeFileSync(join(out, "ws.tar"), Buffer.from(await download.arrayBuffer()));
      execFileSync("tar", ["-C", out, "-xf", join(out, "ws.tar")]);
      expect([...readFileSync(join(out, "seed", "blob.bin"))]).toEqual([0, 1, 2, 254, 255, 10, 13]);
      expect(readFileSync(join(out, "made.txt"), "utf8")).toBe("made\n");
    },
    60_000,
  );
});

describe("a long session", () => {
  it("drops the oldest turns whole beyond maxHistoryTurns, with a warning", async () => {
    const server = await start("local", [
      { text: "first answer" },
      { text: "second answer" },
      { text: "third answer" },
    ]);
    const session = await createSession(server.url, {
      sandboxProvider: "local",
      maxHistoryTurns: 1,
    });
    for (const prompt of ["first question", "second question"]) {
      await readEvents(await postQuery(server.url, { prompt, sessionId: session.id }));
    }
    const calls = server.double.requests.length;
    const third = await readEvents(
      await postQuery(server.url, { prompt: "third question", sessionId: session.id }),
    );
    // by its code: without bubblewrap the local sandbox's unisolated notice is a warning too
    const trimmed = third.find(
      (e) => e.data.type === "warning" && e.data.code === "HISTORY_TRIMMED",
    );
    expect(trimmed?.data).toMatchObject({
      content: expect.stringContaining("1 oldest turn"),
    });
    const body = JSON.stringify(server.double.requests[calls]?.body);
    expect(body).not.toContain("first question");
    expect(body).toContain("second question");
    expect(body).toContain("second answer");
    expect(body).toContain("third question");
  }, 60_000);
});

describe("session requests the server refuses", () => {
  it("400 for bad bodies, 404 for unknown sessions, and sandboxProvider must match", async () => {
    const server = await start("local", []);
    const bad = await fetch(new URL("/sessions", server.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ idleTimeoutSecs: 5, color: "red" }),
    });
    expect(bad.status).toBe(400);
    const fields = ((await bad.json()) as { details: { field: string }[] }).details.map(
      (d) => d.field,
    );
    expect(fields).toEqual(expect.arrayContaining(["idleTimeoutSecs", "color"]));
    const unknown = await postQuery(server.url, { prompt: "x", sessionId: "ses_nope" });
    expect(unknown.status).toBe(404);
    const session = await createSession(server.url, { sandboxProvider: "local" });
    const mismatch = await postQuery(server.url, {
      prompt: "x",
      sessionId: session.id,
      sandboxProvider: "docker",
    });
    expect(mismatch.status).toBe(400);
    expect(await mismatch.json()).toMatchObject({ details: [{ field: "sandboxProvider" }] });
    // the refused query left the session free
    expect((await server.store.sessions.get(session.id))?.activeRunId).toBeUndefined();
    // an archive that is not a tar, or escapes the workspace, is the caller's fault: 400
    const dir = tempDir("sandcaster-hostile-");
    writeFileSync(join(dir, "x"), "x");
    const escaping = execFileSync("tar", ["-C", dir, "-cf", "-", "--transform", "s,^,../,", "x"]);
    for (const body of [Buffer.from("not a tar archive at all".repeat(40)), escaping]) {
      const put = await fetch(new URL(`/sessions/${session.id}/workspace`, server.url), {
        method: "PUT",
        headers: { "content-type": "application/x-tar" },
        body,
      });
      expect(put.status).toBe(400);
      expect(await put.json()).toMatchObject({ code: "INVALID_ARCHIVE" });
    }
    // asking for a provider this server does not have is a 400 naming the field
    const e2bLess = await fetch(new URL("/sessions", server.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sandboxProvider: "e2b" }),
    });
    expect(e2bLess.status).toBe(400);
  });
});
