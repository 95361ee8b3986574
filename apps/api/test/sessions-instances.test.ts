// Sessions across two instances sharing one database: an e2b session continues on the other
// instance; a docker (or local) session answers 421 there, naming the owner's URL.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type E2BDouble, startE2BDouble } from "@sandcaster/testkit";
import { hasService } from "@sandcaster/testkit/services";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { sandboxCases } from "./leftovers.js";
import { postQuery, readEvents } from "./sse.js";

const PG_URL = hasService("postgres") ? process.env.SANDCASTER_TEST_DATABASE_URL : undefined;
// Two instances share the SQLite file here, and PostgreSQL where a test database is configured.
const STORES = [
  { store: "sqlite", databaseUrl: undefined },
  ...(PG_URL ? [{ store: "postgres", databaseUrl: PG_URL }] : []),
];

// docker and local workspaces live on the instance that made them (docker only with a daemon).
const HOST_BOUND = await sandboxCases();

const servers: TestServer[] = [];
let e2b: E2BDouble | undefined;
let dir: string | undefined;
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  await e2b?.close();
  e2b = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function pair(
  databaseUrl: string | undefined,
  options: Partial<Parameters<typeof startTestServer>[0]>,
) {
  dir = await mkdtemp(join(tmpdir(), "sandcaster-sessions-pair-"));
  const storePath = join(dir, "shared.db");
  const common = { ...options, storePath, databaseUrl };
  const a = await startTestServer({ turns: [], ...common, instanceId: "instance-a" });
  servers.push(a);
  const b = await startTestServer({
    turns: [
      { toolCalls: [{ name: "bash", input: { command: "cat note.txt" } }] },
      { text: "read it on B" },
    ],
    ...common,
    instanceId: "instance-b",
  });
  servers.push(b);
  return { a, b };
}

async function create(url: string, sandboxProvider: string) {
  const response = await fetch(new URL("/sessions", url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sandboxProvider }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

describe.each(STORES)("sessions across instances ($store)", ({ databaseUrl }) => {
  // The E2B double runs commands only under bubblewrap.
  it.runIf(hasService("bwrap"))(
    "an e2b session created on A continues on B, with A's files",
    async () => {
      e2b = await startE2BDouble();
      const { a, b } = await pair(databaseUrl, { sandbox: "e2b", e2b });
      const id = await create(a.url, "e2b");
      const tar = Buffer.from(
        (await import("node:child_process")).execFileSync("sh", [
          "-c",
          'd=$(mktemp -d) && echo "from A" > "$d/note.txt" && tar -C "$d" -cf - note.txt && rm -rf "$d"',
        ]),
      );
      const put = await fetch(new URL(`/sessions/${id}/workspace`, a.url), {
        method: "PUT",
        headers: { "content-type": "application/x-tar" },
        body: tar,
      });
      expect(put.status).toBe(204);
      const events = await readEvents(
        await postQuery(b.url, { prompt: "read the note", sessionId: id }),
      );
      expect(events.at(-1)?.data).toMatchObject({ type: "result", content: "read it on B" });
      expect(events.find((e) => e.data.type === "tool_result")?.data).toMatchObject({
        content: expect.stringContaining("from A"),
      });
    },
    90_000,
  );

  it.each(HOST_BOUND.filter((c) => c.enabled))(
    "a $sandbox session created on A answers 421 on B, naming A",
    async ({ sandbox }) => {
      const { a, b } = await pair(databaseUrl, { sandbox });
      const id = await create(a.url, sandbox);
      const response = await postQuery(b.url, { prompt: "hello", sessionId: id });
      expect(response.status).toBe(421);
      expect(await response.json()).toMatchObject({ code: "SESSION_ELSEWHERE", ownerUrl: a.url });
      expect(response.headers.get("x-session-owner")).toBe(a.url);
      const remove = await fetch(new URL(`/sessions/${id}`, b.url), { method: "DELETE" });
      expect(remove.status).toBe(421);
      // the session is untouched and still works where it lives
      expect((await a.store.sessions.get(id))?.status).toBe("active");
      const own = await fetch(new URL(`/sessions/${id}`, a.url), { method: "DELETE" });
      expect(own.status).toBe(204);
    },
    60_000,
  );
});
