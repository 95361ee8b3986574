// Keys in the sandbox: only the chosen provider's, and redacted wherever the agent surfaces them.
import { afterEach, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery, readEvents } from "./sse.js";

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

it("an agent that reads the runner's environment sees only one key, and the client sees it redacted", async () => {
  const key = "request-secret-for-redaction-0123";
  t = await startTestServer({
    env: {
      OPENAI_API_KEY: "sk-openai-server-secret-000",
      GOOGLE_API_KEY: "google-server-secret-000",
    },
    turns: [
      {
        toolCalls: [
          {
            name: "bash",
            // The runner is the shell's parent: its environment is the one holding the key.
            input: {
              command: "tr '\\0' '\\n' < /proc/$PPID/environ | grep _API_KEY | tee env.txt",
            },
          },
        ],
      },
      { text: "I found it." },
    ],
  });
  const events = await readEvents(
    await postQuery(t.url, { prompt: "look", apiKeys: { anthropic: key } }),
  );
  const wire = JSON.stringify(events);
  expect(wire).not.toContain(key);
  const toolResult = events.find((e) => e.data.type === "tool_result")?.data;
  expect(toolResult).toMatchObject({ content: "ANTHROPIC_API_KEY=[REDACTED]\n" });
  const file = events.find((e) => e.data.type === "file")?.data;
  expect(file).toMatchObject({ path: "env.txt", content: "ANTHROPIC_API_KEY=[REDACTED]\n" });
  // other providers' keys never entered the sandbox
  expect(wire).not.toContain("OPENAI_API_KEY");
  expect(wire).not.toContain("GOOGLE_API_KEY");
  const record = await t.store.getRun(
    events[0]?.data.type === "system" ? (events[0].data.runId ?? "") : "",
  );
  expect(JSON.stringify(record)).not.toContain(key);
});

it("a key pasted into the prompt or the metadata is redacted in the stored run record", async () => {
  const key = "request-secret-in-the-prompt-4567";
  t = await startTestServer({ turns: [{ text: "noted" }] });
  const events = await readEvents(
    await postQuery(t.url, {
      prompt: `remember ${key} for later`,
      apiKeys: { anthropic: key },
      metadata: { ticket: `key=${key}` },
    }),
  );
  const init = events[0]?.data;
  const runId = init?.type === "system" ? (init.runId ?? "") : "";
  const res = await fetch(`${t.url}/runs/${runId}`);
  const record = (await res.json()) as { prompt: string; metadata: Record<string, string> };
  expect(JSON.stringify(record)).not.toContain(key);
  expect(record.prompt).toBe("remember [REDACTED] for later");
  expect(record.metadata).toStrictEqual({ ticket: "key=[REDACTED]" });
});
