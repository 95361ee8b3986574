// A hostile agent filling a local session's workspace, through the real server: the cap holds
// across turns (each turn's writes land in the same size-capped image), an idle session holds no
// mount, a mount a crashed server left behind is taken over, and deleting the session leaves no
// mount, image or dir.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { checkBwrap } from "@sandcaster/core";
import { afterEach, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery, readEvents } from "./sse.js";

const bwrap = await checkBwrap(undefined, process.execPath);
const isRoot = process.getuid?.() === 0;
if (!bwrap.ok || !isRoot) {
  console.log(
    "session disk cap test skipped: needs root and a working bubblewrap (apt-get install bubblewrap; run as root)",
  );
}

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const mounted = async (dir: string) =>
  (await readFile("/proc/self/mountinfo", "utf8"))
    .split("\n")
    .some((line) => line.split(" ")[4] === dir);

it.runIf(bwrap.ok && isRoot)(
  "a session's turns share one capped disk: the second turn's writes hit ENOSPC, never the host's disk",
  async () => {
    t = await startTestServer({
      config: { local: { diskMb: 64 } },
      turns: [
        {
          toolCalls: [
            {
              name: "bash",
              input: { command: "dd if=/dev/zero of=one bs=1M count=40 2>&1 | tail -1" },
            },
          ],
        },
        { text: "turn one" },
        {
          toolCalls: [
            {
              name: "bash",
              input: {
                command:
                  "stat -c 'one=%s' one; dd if=/dev/zero of=two bs=1M count=40 2>&1 | head -1",
              },
            },
          ],
        },
        { text: "turn two" },
      ],
    });
    const created = await fetch(new URL("/sessions", t.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sandboxProvider: "local" }),
    });
    expect(created.status).toBe(201);
    const session = (await created.json()) as { id: string };
    const dir = (await t.store.sessions.get(session.id))?.workspaceRef ?? "";
    expect(existsSync(`${dir}.img`)).toBe(true);
    expect(await mounted(dir)).toBe(false);

    const one = await readEvents(await postQuery(t.url, { prompt: "fill", sessionId: session.id }));
    expect(one.at(-1)?.data).toMatchObject({ type: "result", content: "turn one" });
    const notices = one
      .filter((e) => e.data.type === "warning" && e.data.code === "SANDBOX_NOTICE")
      .map((e) => String(e.data.content))
      .join("\n");
    expect(notices).not.toMatch(/disk limit/);

    // Idle between turns: nothing mounted. Then as if a server had crashed mid-turn: mounted.
    expect(await mounted(dir)).toBe(false);
    execFileSync("mount", ["-t", "ext4", "-o", "loop,nosuid,nodev", `${dir}.img`, dir]);

    const two = await readEvents(await postQuery(t.url, { prompt: "more", sessionId: session.id }));
    const result = two.find((e) => e.data.type === "tool_result")?.data;
    expect(String(result?.content)).toContain(`one=${40 * 1024 * 1024}`);
    expect(String(result?.content)).toContain("No space left on device");
    const warned = two
      .filter((e) => e.data.type === "warning" && e.data.code === "SANDBOX_LIMIT_EXCEEDED")
      .map((e) => String(e.data.content))
      .join("\n");
    expect(warned).toContain("disk limit (64 MB)");
    expect(two.at(-1)?.data).toMatchObject({ type: "result", content: "turn two" });
    expect(await mounted(dir)).toBe(false);

    const removed = await fetch(new URL(`/sessions/${session.id}`, t.url), { method: "DELETE" });
    expect(removed.status).toBeLessThan(300);
    expect(await mounted(dir)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(`${dir}.img`)).toBe(false);
  },
  180_000,
);
