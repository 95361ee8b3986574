// client.sessions against the real server (local sandbox): create, a two-turn conversation through
// query({sessionId}), 409 while busy, the workspace as tar both ways, delete → 404.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConflictError, createClient, NotFoundError } from "../src/index.js";
import { startTestServer, type TestServer } from "./harness.js";

let t: TestServer | undefined;
const temps: string[] = [];
afterEach(async () => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
  await t?.close();
  t = undefined;
});

describe("client.sessions", () => {
  it("creates a session, continues it across two queries, and deletes it", async () => {
    t = await startTestServer({
      turns: [
        { toolCalls: [{ name: "bash", input: { command: "echo kept > kept.txt" } }] },
        { text: "wrote it" },
        { toolCalls: [{ name: "bash", input: { command: "cat kept.txt" } }] },
        { text: "read it", delayMs: 1500 },
      ],
    });
    const client = createClient({ baseUrl: t.url });
    const session = await client.sessions.create({ name: "sdk", idleTimeoutSecs: 600 });
    expect(session).toMatchObject({
      name: "sdk",
      status: "active",
      sandboxProvider: "local",
      turns: 0,
    });

    const first = await client.query({ prompt: "write", sessionId: session.id }).finalResult();
    expect(first.content).toBe("wrote it");
    const second = client.query({ prompt: "read", sessionId: session.id });
    const events = [];
    let busy: unknown;
    for await (const event of second) {
      events.push(event);
      if (event.type === "tool_result" && busy === undefined) {
        busy = await client
          .query({ prompt: "now", sessionId: session.id })
          .finalResult()
          .catch((e) => e);
      }
    }
    expect(busy).toBeInstanceOf(ConflictError);
    expect((busy as ConflictError).code).toBe("SESSION_BUSY");
    expect(events.find((e) => e.type === "tool_result")).toMatchObject({
      content: expect.stringContaining("kept"),
    });
    expect(await client.sessions.get(session.id)).toMatchObject({ turns: 2 });
    expect((await client.sessions.list()).map((s) => s.id)).toContain(session.id);

    const tar = await client.sessions.downloadWorkspace(session.id);
    const dir = mkdtempSync(join(tmpdir(), "sdk-session-"));
    temps.push(dir);
    writeFileSync(join(dir, "ws.tar"), tar);
    expect(execFileSync("tar", ["-tf", join(dir, "ws.tar")], { encoding: "utf8" })).toContain(
      "kept.txt",
    );

    await client.sessions.delete(session.id);
    await expect(client.sessions.get(session.id)).rejects.toBeInstanceOf(NotFoundError);
  }, 60_000);

  it("uploads a tar archive into a new session's workspace", async () => {
    t = await startTestServer({
      turns: [
        { toolCalls: [{ name: "bash", input: { command: "cat seed.txt" } }] },
        { text: "ok" },
      ],
    });
    const client = createClient({ baseUrl: t.url });
    const session = await client.sessions.create();
    const dir = mkdtempSync(join(tmpdir(), "sdk-seed-"));
    temps.push(dir);
    writeFileSync(join(dir, "seed.txt"), "seeded by the sdk\n");
    const tar = execFileSync("tar", ["-C", dir, "-cf", "-", "seed.txt"]);
    await client.sessions.uploadWorkspace(session.id, new Uint8Array(tar));
    const events = [];
    for await (const event of client.query({ prompt: "look", sessionId: session.id }))
      events.push(event);
    expect(events.find((e) => e.type === "tool_result")).toMatchObject({
      content: expect.stringContaining("seeded by the sdk"),
    });
  }, 60_000);
});
