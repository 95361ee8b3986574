// Drives the OpenAI double with the real openai client and checks what it hands back.
import OpenAI, { AuthenticationError, InternalServerError, RateLimitError } from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { afterEach, describe, expect, it } from "vitest";
import { type ModelDouble, type ScriptedTurn, startOpenAIDouble } from "./index.js";

const tools = [
  {
    type: "function" as const,
    function: { name: "read_file", parameters: { type: "object", properties: {} } },
  },
];

let double: ModelDouble | undefined;
afterEach(async () => {
  await double?.close();
  double = undefined;
});

async function start(turns: ScriptedTurn[], maxRetries = 0) {
  double = await startOpenAIDouble({ turns });
  const client = new OpenAI({ apiKey: "sk-openai-test", baseURL: double.url, maxRetries });
  return { double, client };
}

function ask(client: OpenAI, includeUsage = true) {
  return client.chat.completions.create({
    model: "gpt-test",
    stream: true,
    ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
    tools,
    messages: [{ role: "user", content: "hi" }],
  });
}

/** What a runner does with the chunks: join text and reasoning, assemble tool calls by index. */
async function collect(stream: AsyncIterable<ChatCompletionChunk>) {
  const result = {
    chunks: [] as ChatCompletionChunk[],
    text: [] as string[],
    reasoning: "",
    tools: [] as { id: string; name: string; arguments: string }[],
    finish: null as string | null,
    usage: undefined as ChatCompletionChunk["usage"],
  };
  for await (const chunk of stream) {
    result.chunks.push(chunk);
    if (chunk.usage) result.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    const delta = choice.delta as typeof choice.delta & { reasoning_content?: string };
    if (delta.content) result.text.push(delta.content);
    if (delta.reasoning_content) result.reasoning += delta.reasoning_content;
    for (const call of delta.tool_calls ?? []) {
      const slot = result.tools[call.index] ?? { id: "", name: "", arguments: "" };
      result.tools[call.index] = slot;
      if (call.id) slot.id = call.id;
      if (call.function?.name) slot.name = call.function.name;
      slot.arguments += call.function?.arguments ?? "";
    }
    if (choice.finish_reason) result.finish = choice.finish_reason;
  }
  return result;
}

describe("OpenAI double", () => {
  it("streams reasoning, text deltas, tool calls in pieces, and usage", async () => {
    const { double, client } = await start([
      {
        thinking: "Think first.",
        text: "Reading both files.",
        toolCalls: [
          { id: "call_a", name: "read_file", input: { path: "a.ts" } },
          { name: "read_file", input: { path: "b.ts" } },
        ],
        usage: { inputTokens: 90, outputTokens: 25, cacheReadTokens: 10 },
      },
    ]);
    const result = await collect(await ask(client));

    expect(result.text.length).toBeGreaterThanOrEqual(2);
    expect(result.text.join("")).toBe("Reading both files.");
    expect(result.reasoning).toBe("Think first.");
    expect(result.finish).toBe("tool_calls");
    expect(result.tools.map((call) => [call.name, JSON.parse(call.arguments)])).toEqual([
      ["read_file", { path: "a.ts" }],
      ["read_file", { path: "b.ts" }],
    ]);
    expect(result.tools[0]?.id).toBe("call_a");
    expect(result.tools[1]?.id).toMatch(/^call_/);
    const argumentPieces = result.chunks.filter(
      (chunk) => chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments,
    );
    expect(argumentPieces.length).toBeGreaterThanOrEqual(4);
    expect(result.chunks.every((chunk) => chunk.object === "chat.completion.chunk")).toBe(true);
    expect(result.chunks.at(-1)?.choices).toEqual([]);
    expect(result.usage).toMatchObject({
      prompt_tokens: 100,
      completion_tokens: 25,
      total_tokens: 125,
      prompt_tokens_details: { cached_tokens: 10 },
    });
    expect(double.pending()).toBe(0);
  });

  it("finishes with stop and sends no usage chunk unless include_usage is asked for", async () => {
    const { client } = await start([{ text: "plain answer" }]);
    const result = await collect(await ask(client, false));
    expect(result.finish).toBe("stop");
    expect(result.text.join("")).toBe("plain answer");
    expect(result.usage).toBeUndefined();
    expect(result.chunks.every((chunk) => chunk.choices.length === 1)).toBe(true);
  });

  it("feeds the SDK's own accumulator (chat.completions.stream → finalChatCompletion)", async () => {
    const { client } = await start([
      { text: "calling", toolCalls: [{ name: "read_file", input: { path: "x" } }] },
    ]);
    const completion = await client.chat.completions
      .stream({ model: "gpt-test", tools, messages: [{ role: "user", content: "hi" }] })
      .finalChatCompletion();
    const message = completion.choices[0]?.message;
    expect(message?.content).toBe("calling");
    expect(message?.tool_calls?.[0]).toMatchObject({
      type: "function",
      function: { name: "read_file", arguments: '{"path":"x"}' },
    });
  });

  it("answers non-streaming calls with a whole ChatCompletion", async () => {
    const { client } = await start([{ text: "whole", usage: { inputTokens: 3, outputTokens: 4 } }]);
    const completion = await client.chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: "x" }],
    });
    expect(completion.choices[0]?.message.content).toBe("whole");
    expect(completion.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 4 });
  });

  it("records requests at /v1/chat/completions with the bearer key and the body", async () => {
    const { double, client } = await start([{ text: "one" }, { text: "two" }]);
    await collect(await ask(client));
    await collect(
      await client.chat.completions.create({
        model: "gpt-test",
        stream: true,
        messages: [
          { role: "user", content: "hi" },
          {
            role: "assistant",
            tool_calls: [
              { id: "call_1", type: "function", function: { name: "read_file", arguments: "{}" } },
            ],
          },
          { role: "tool", tool_call_id: "call_1", content: "file text" },
        ],
      }),
    );
    expect(double.requests.map((request) => request.path)).toEqual([
      "/v1/chat/completions",
      "/v1/chat/completions",
    ]);
    expect(double.requests[0]?.headers.authorization).toBe("Bearer sk-openai-test");
    expect(double.requests[0]?.body).toMatchObject({
      model: "gpt-test",
      stream: true,
      stream_options: { include_usage: true },
      tools,
    });
    expect(double.requests[1]?.body).toMatchObject({
      messages: [{}, {}, { role: "tool", tool_call_id: "call_1", content: "file text" }],
    });
  });

  it("maps 401 to AuthenticationError with the error JSON's code", async () => {
    const { client } = await start([{ error: { status: 401, message: "Incorrect API key" } }]);
    const error = await ask(client).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: "invalid_api_key" });
    expect((error as AuthenticationError).message).toContain("Incorrect API key");
    expect((error as AuthenticationError).requestID).toMatch(/^req_/);
  });

  it("honours retry-after on 429 and then succeeds", async () => {
    const { double, client } = await start(
      [{ error: { status: 429, retryAfterSecs: 1 } }, { text: "after the wait" }],
      1,
    );
    const started = Date.now();
    const result = await collect(await ask(client));
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(result.text.join("")).toBe("after the wait");
    expect(double.requests).toHaveLength(2);
  });

  it("maps 429 without retries to RateLimitError and 500 to InternalServerError", async () => {
    const { client } = await start([{ error: { status: 429 } }, { error: { status: 500 } }]);
    const limited = await ask(client).catch((caught: unknown) => caught);
    expect(limited).toBeInstanceOf(RateLimitError);
    const failed = await ask(client).catch((caught: unknown) => caught);
    expect(failed).toBeInstanceOf(InternalServerError);
    expect(failed).toMatchObject({ status: 500, type: "server_error" });
    const exhausted = await ask(client).catch((caught: unknown) => caught);
    expect(exhausted).toBeInstanceOf(InternalServerError);
    expect((exhausted as Error).message).toContain("scripted model double: script exhausted");
  });

  it("rejects stream iteration with TypeError('terminated') when the connection is cut", async () => {
    const { double, client } = await start([{ text: "never finished", cutAfterEvents: 2 }], 2);
    const stream = await ask(client);
    const text: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) text.push(chunk.choices[0]?.delta.content ?? "");
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe("terminated");
    expect(String((error as Error).cause)).toContain("other side closed");
    // The role chunk and one text delta arrived; the stream was not retried.
    expect(text).toEqual(["", "never"]);
    expect(double.requests).toHaveLength(1);
  });
});
