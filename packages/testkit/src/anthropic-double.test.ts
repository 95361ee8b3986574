// Drives the Anthropic double with the real @anthropic-ai/sdk client and checks what it hands back.
import Anthropic, {
  AnthropicError,
  AuthenticationError,
  InternalServerError,
  RateLimitError,
} from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { type ModelDouble, type ScriptedTurn, startAnthropicDouble } from "./index.js";

const tools = [
  {
    name: "read_file",
    description: "Read a file",
    input_schema: { type: "object" as const, properties: { path: { type: "string" } } },
  },
];

let double: ModelDouble | undefined;
afterEach(async () => {
  await double?.close();
  double = undefined;
});

async function start(turns: ScriptedTurn[], maxRetries = 0) {
  double = await startAnthropicDouble({ turns });
  const client = new Anthropic({ apiKey: "sk-ant-test", baseURL: double.url, maxRetries });
  return { double, client };
}

const ask = (client: Anthropic, content = "hi") =>
  client.messages.stream({
    model: "claude-test-1",
    max_tokens: 1024,
    tools,
    messages: [{ role: "user", content }],
  });

describe("Anthropic double", () => {
  it("streams thinking, text in several deltas, and a tool call the SDK parses", async () => {
    const { double, client } = await start([
      {
        thinking: "Let me look at the file first.",
        text: "I will read the file now.",
        toolCalls: [{ id: "toolu_fixed", name: "read_file", input: { path: "src/a.ts", n: 2 } }],
        usage: { inputTokens: 100, outputTokens: 40, cacheReadTokens: 30, cacheWriteTokens: 5 },
      },
    ]);
    const stream = ask(client);
    const deltas: string[] = [];
    stream.on("text", (delta) => deltas.push(delta));
    const message = await stream.finalMessage();

    expect(deltas.length).toBeGreaterThanOrEqual(2);
    expect(deltas.join("")).toBe("I will read the file now.");
    expect(message.model).toBe("claude-test-1");
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content.map((block) => block.type)).toEqual(["thinking", "text", "tool_use"]);
    const [thinking, , toolUse] = message.content;
    expect(thinking).toMatchObject({ thinking: "Let me look at the file first." });
    expect(thinking?.type === "thinking" && thinking.signature.length > 0).toBe(true);
    expect(toolUse).toMatchObject({
      type: "tool_use",
      id: "toolu_fixed",
      name: "read_file",
      input: { path: "src/a.ts", n: 2 },
    });
    expect(message.usage).toMatchObject({
      input_tokens: 100,
      output_tokens: 40,
      cache_read_input_tokens: 30,
      cache_creation_input_tokens: 5,
    });
    expect(double.pending()).toBe(0);
  });

  it("sends the raw event sequence with input_json_delta in pieces, end_turn without tools", async () => {
    const { client } = await start([
      { toolCalls: [{ name: "read_file", input: { path: "a" } }] },
      { text: "done" },
    ]);
    const params = {
      model: "m",
      max_tokens: 10,
      messages: [{ role: "user" as const, content: "x" }],
    };
    const first = await client.messages.create({ ...params, stream: true });
    const events: Anthropic.RawMessageStreamEvent[] = [];
    for await (const event of first) events.push(event);

    expect(events[0]?.type).toBe("message_start");
    expect(events.at(-1)?.type).toBe("message_stop");
    const opening = events.find((event) => event.type === "content_block_start");
    expect(opening?.type === "content_block_start" && opening.content_block).toMatchObject({
      type: "tool_use",
      name: "read_file",
      id: expect.stringMatching(/^toolu_/),
      input: {},
    });
    const pieces = events.flatMap((event) =>
      event.type === "content_block_delta" && event.delta.type === "input_json_delta"
        ? [event.delta.partial_json]
        : [],
    );
    expect(pieces.filter((piece) => piece.length > 0).length).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(pieces.join(""))).toEqual({ path: "a" });

    const second = await client.messages.stream({ ...params }).finalMessage();
    expect(second.stop_reason).toBe("end_turn");
    expect(second.content).toEqual([{ type: "text", text: "done" }]);
    expect(second.usage.output_tokens).toBeGreaterThan(0);
  });

  it("records every request with lower-cased headers and the parsed body", async () => {
    const { double, client } = await start([
      { toolCalls: [{ id: "toolu_1", name: "read_file", input: { path: "a" } }] },
      { text: "ok" },
    ]);
    await ask(client).finalMessage();
    await client.messages
      .stream({
        model: "claude-test-1",
        max_tokens: 1024,
        tools,
        messages: [
          { role: "user", content: "hi" },
          {
            role: "assistant",
            content: [{ type: "tool_use", id: "toolu_1", name: "read_file", input: { path: "a" } }],
          },
          {
            role: "user",
            content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "X" }],
          },
        ],
      })
      .finalMessage();

    expect(double.requests).toHaveLength(2);
    const [first, second] = double.requests;
    expect(first).toMatchObject({ method: "POST", path: "/v1/messages" });
    // SDK 1.x sends `apiKey` as a bearer token, not as x-api-key.
    expect(first?.headers.authorization).toBe("Bearer sk-ant-test");
    expect(first?.headers["x-api-key"]).toBeUndefined();
    expect(first?.headers["anthropic-version"]).toBeTruthy();
    expect(first?.body).toMatchObject({ model: "claude-test-1", stream: true, tools });
    expect(second?.body).toMatchObject({
      messages: [{}, {}, { content: [{ type: "tool_result", tool_use_id: "toolu_1" }] }],
    });
  });

  it("answers non-streaming calls with a whole Message", async () => {
    const { client } = await start([{ text: "whole", usage: { inputTokens: 3, outputTokens: 4 } }]);
    const message = await client.messages.create({
      model: "m",
      max_tokens: 10,
      messages: [{ role: "user", content: "x" }],
    });
    expect(message.content).toEqual([{ type: "text", text: "whole", citations: null }]);
    expect(message.usage).toMatchObject({ input_tokens: 3, output_tokens: 4 });
  });

  it("maps 401 to AuthenticationError with the API's error type and request id", async () => {
    const { client } = await start([{ error: { status: 401, message: "invalid x-api-key" } }]);
    const error = await ask(client)
      .finalMessage()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, type: "authentication_error" });
    expect((error as AuthenticationError).message).toContain("invalid x-api-key");
    expect((error as AuthenticationError).requestID).toMatch(/^req_/);
  });

  it("honours retry-after on 429 and then succeeds", async () => {
    const { double, client } = await start(
      [{ error: { status: 429, retryAfterSecs: 1 } }, { text: "after the wait" }],
      1,
    );
    const started = Date.now();
    const message = await ask(client).finalMessage();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(message.content).toMatchObject([{ text: "after the wait" }]);
    expect(double.requests).toHaveLength(2);
  });

  it("surfaces 429 as RateLimitError when retries are off", async () => {
    const { client } = await start([{ error: { status: 429, retryAfterSecs: 7 } }]);
    const error = await ask(client)
      .finalMessage()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).headers.get("retry-after")).toBe("7");
  });

  it("maps 500 and script exhaustion to InternalServerError", async () => {
    const { client } = await start([{ error: { status: 500 } }]);
    const scripted = await ask(client)
      .finalMessage()
      .catch((caught: unknown) => caught);
    expect(scripted).toBeInstanceOf(InternalServerError);
    expect(scripted).toMatchObject({ status: 500, type: "api_error" });
    const exhausted = await ask(client)
      .finalMessage()
      .catch((caught: unknown) => caught);
    expect(exhausted).toBeInstanceOf(InternalServerError);
    expect((exhausted as Error).message).toContain("scripted model double: script exhausted");
  });

  it("rejects the stream when the connection is cut mid-way", async () => {
    const { double, client } = await start([{ text: "never finished", cutAfterEvents: 4 }], 2);
    const stream = ask(client);
    const deltas: string[] = [];
    stream.on("text", (delta) => deltas.push(delta));
    const error = await stream.finalMessage().catch((caught: unknown) => caught);
    // MessageStream wraps the fetch body's TypeError("terminated") in an AnthropicError.
    expect(error).toBeInstanceOf(AnthropicError);
    expect((error as Error).message).toBe("terminated");
    expect((error as Error).cause).toBeInstanceOf(TypeError);
    // message_start, ping, content_block_start, one text delta: then nothing.
    expect(deltas).toEqual(["never"]);
    // A stream already under way is never retried, whatever maxRetries says.
    expect(double.requests).toHaveLength(1);
  });

  it("rejects raw stream iteration with the bare TypeError on a cut", async () => {
    const { client } = await start([{ text: "never finished", cutAfterEvents: 2 }]);
    const stream = await client.messages.create({
      model: "m",
      max_tokens: 10,
      stream: true,
      messages: [{ role: "user", content: "x" }],
    });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of stream) seen.push(event.type);
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe("terminated");
    expect(seen).toEqual(["message_start"]);
  });
});
