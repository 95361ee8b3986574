// Drives the Gemini double with the real @google/genai client and checks what it hands back.
import {
  ApiError,
  type GenerateContentResponse,
  GoogleGenAI,
  type HttpOptions,
} from "@google/genai";
import { afterEach, describe, expect, it } from "vitest";
import { type ModelDouble, type ScriptedTurn, startGeminiDouble } from "./index.js";

const MODEL = "gemini-test-pro";
const tools = [
  {
    functionDeclarations: [
      { name: "read_file", parametersJsonSchema: { type: "object", properties: {} } },
    ],
  },
];

let double: ModelDouble | undefined;
afterEach(async () => {
  await double?.close();
  double = undefined;
});

async function start(turns: ScriptedTurn[], httpOptions: HttpOptions = {}) {
  double = await startGeminiDouble({ turns });
  const ai = new GoogleGenAI({
    apiKey: "gemini-test-key",
    httpOptions: { ...httpOptions, baseUrl: double.url },
  });
  return { double, ai };
}

const ask = (ai: GoogleGenAI, contents: string = "hi") =>
  ai.models.generateContentStream({ model: MODEL, contents, config: { tools } });

/** Reads parts directly: the SDK's `.text` getter warns on chunks that hold function calls. */
async function collect(stream: AsyncIterable<GenerateContentResponse>) {
  const result = {
    chunks: [] as GenerateContentResponse[],
    text: [] as string[],
    thoughts: "",
    calls: [] as unknown[],
  };
  for await (const chunk of stream) {
    result.chunks.push(chunk);
    for (const part of chunk.candidates?.[0]?.content?.parts ?? []) {
      if (part.thought && part.text) result.thoughts += part.text;
      else if (part.text) result.text.push(part.text);
    }
    result.calls.push(...(chunk.functionCalls ?? []));
  }
  return result;
}

describe("Gemini double", () => {
  it("streams thoughts, text chunks, function calls and usage", async () => {
    const { double, ai } = await start([
      {
        thinking: "Consider the request.",
        text: "Let me read it.",
        toolCalls: [
          { name: "read_file", input: { path: "a.ts" } },
          { id: "fc_1", name: "read_file", input: { path: "b.ts" } },
        ],
        usage: { inputTokens: 70, outputTokens: 20, cacheReadTokens: 30 },
      },
    ]);
    const result = await collect(await ask(ai));

    expect(result.thoughts).toBe("Consider the request.");
    expect(result.text.length).toBeGreaterThanOrEqual(2);
    expect(result.text.join("")).toBe("Let me read it.");
    expect(result.calls).toEqual([
      { name: "read_file", args: { path: "a.ts" } },
      { id: "fc_1", name: "read_file", args: { path: "b.ts" } },
    ]);
    const last = result.chunks.at(-1);
    expect(last?.candidates?.[0]?.finishReason).toBe("STOP");
    expect(result.chunks.slice(0, -1).every((c) => !c.candidates?.[0]?.finishReason)).toBe(true);
    expect(last?.usageMetadata).toMatchObject({
      promptTokenCount: 100,
      candidatesTokenCount: 20,
      cachedContentTokenCount: 30,
      totalTokenCount: 120,
    });
    expect(last?.modelVersion).toBe(MODEL);
    expect(double.pending()).toBe(0);
  });

  it("sends a text-only answer whose SDK .text joins to the script, without cache counts", async () => {
    const { ai } = await start([{ text: "just text", usage: { inputTokens: 5, outputTokens: 2 } }]);
    let text = "";
    let last: GenerateContentResponse | undefined;
    for await (const chunk of await ask(ai)) {
      text += chunk.text ?? "";
      last = chunk;
    }
    expect(text).toBe("just text");
    expect(last?.functionCalls).toBeUndefined();
    expect(last?.usageMetadata?.cachedContentTokenCount).toBeUndefined();
    expect(last?.usageMetadata?.promptTokenCount).toBe(5);
  });

  it("answers non-streaming generateContent with one whole response", async () => {
    const { double, ai } = await start([{ text: "whole", toolCalls: [{ name: "f", input: {} }] }]);
    const response = await ai.models.generateContent({ model: MODEL, contents: "x" });
    expect(response.candidates?.[0]?.content?.parts).toEqual([
      { text: "whole" },
      { functionCall: { name: "f", args: {} } },
    ]);
    expect(double.requests[0]?.path).toBe(`/v1beta/models/${MODEL}:generateContent`);
  });

  it("records the streaming path, the x-goog-api-key header and the body", async () => {
    const { double, ai } = await start([{ text: "one" }, { text: "two" }]);
    await collect(await ask(ai));
    await collect(
      await ai.models.generateContentStream({
        model: MODEL,
        contents: [
          { role: "user", parts: [{ text: "hi" }] },
          { role: "model", parts: [{ functionCall: { name: "read_file", args: { path: "a" } } }] },
          {
            role: "user",
            parts: [{ functionResponse: { name: "read_file", response: { output: "X" } } }],
          },
        ],
      }),
    );
    const [first, second] = double.requests;
    expect(first?.path).toBe(`/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`);
    expect(first?.headers["x-goog-api-key"]).toBe("gemini-test-key");
    expect(first?.body).toMatchObject({
      contents: [{ role: "user", parts: [{ text: "hi" }] }],
      tools,
    });
    expect(second?.body).toMatchObject({
      contents: [{}, {}, { parts: [{ functionResponse: { name: "read_file" } }] }],
    });
  });

  it("throws ApiError with status 401 and the error JSON in the message", async () => {
    const { ai } = await start([{ error: { status: 401, message: "API key not valid" } }]);
    const error = await ask(ai).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect((error as ApiError).message).toContain("UNAUTHENTICATED");
    expect((error as ApiError).message).toContain("API key not valid");
  });

  it("does not retry 429 by default", async () => {
    const { double, ai } = await start([{ error: { status: 429 } }, { text: "unused" }]);
    const error = await ask(ai).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(429);
    expect((error as ApiError).message).toContain("RESOURCE_EXHAUSTED");
    expect(double.requests).toHaveLength(1);
  });

  it("retries 429 only with retryOptions, on its own backoff, ignoring retry-after", async () => {
    const { double, ai } = await start(
      [{ error: { status: 429, retryAfterSecs: 3 } }, { text: "after the retry" }],
      { retryOptions: { attempts: 2, initialDelay: 0.05, jitter: 0 } },
    );
    const started = Date.now();
    const result = await collect(await ask(ai));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(result.text.join("")).toBe("after the retry");
    expect(double.requests).toHaveLength(2);
  });

  it("throws ApiError 500 for a scripted 500 and for an exhausted script", async () => {
    const { ai } = await start([{ error: { status: 500 } }]);
    const scripted = await ask(ai).catch((caught: unknown) => caught);
    expect(scripted).toBeInstanceOf(ApiError);
    expect((scripted as ApiError).status).toBe(500);
    const exhausted = await ask(ai).catch((caught: unknown) => caught);
    expect((exhausted as ApiError).status).toBe(500);
    expect((exhausted as ApiError).message).toContain("scripted model double: script exhausted");
  });

  it("rejects iteration with TypeError('terminated') on a cut, without resuming", async () => {
    const { double, ai } = await start([
      { text: "never finished", cutAfterEvents: 1 },
      { text: "x" },
    ]);
    const stream = await ask(ai);
    const text: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) text.push(chunk.text ?? "");
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe("terminated");
    expect(text).toEqual(["never"]);
    // Automatic continuation needs a continuationToken, which the double never sends.
    expect(double.requests).toHaveLength(1);
    expect(double.pending()).toBe(1);
  });

  it("also rejects when the cut comes after the finishReason chunk", async () => {
    const { ai } = await start([{ text: "abc", cutAfterEvents: 3 }]);
    const stream = await ask(ai);
    const error = await collect(stream).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
  });
});
