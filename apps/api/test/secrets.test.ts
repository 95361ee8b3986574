// Keys in the sandbox: none (the host's model gateway holds the run's key), and redacted wherever
// the agent could surface one.
import { afterEach, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery, readEvents } from "./sse.js";

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

it("an agent that reads the runner's environment finds no key, though the model got the request's", async () => {
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
  expect(JSON.stringify(toolResult)).not.toContain("_API_KEY");
  const file = events.find((e) => e.data.type === "file")?.data;
  expect(file).toMatchObject({ path: "env.txt", content: "" });
  // The gateway called the model with the request's key, from the host.
  expect(t.double.requests[0]?.headers["x-api-key"]).toBe(key);
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
