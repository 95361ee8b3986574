// Shared double behaviour seen over plain fetch: routing, recording, pacing, close, SSE framing.
import { afterEach, describe, expect, it } from "vitest";
import {
  type ModelDouble,
  startAnthropicDouble,
  startGeminiDouble,
  startOpenAIDouble,
} from "./index.js";
import { splitJson, splitText } from "./script.js";

let double: ModelDouble | undefined;
afterEach(async () => {
  await double?.close();
  double = undefined;
});

const post = (url: string, body: unknown, init: RequestInit = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "X-Custom-Header": "Mixed" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });

const eventNames = (sse: string) => [...sse.matchAll(/^event: (.+)$/gm)].map((match) => match[1]);

describe("shared double behaviour", () => {
  it("frames Anthropic events with event names, including a ping, and ends the stream", async () => {
    double = await startAnthropicDouble({
      turns: [{ text: "hey", toolCalls: [{ name: "t", input: {} }] }],
    });
    const res = await post(`${double.url}/v1/messages`, { model: "m", stream: true });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(res.headers.get("request-id")).toMatch(/^req_/);
    const names = eventNames(await res.text());
    expect(names.slice(0, 3)).toEqual(["message_start", "ping", "content_block_start"]);
    expect(names.slice(-2)).toEqual(["message_delta", "message_stop"]);
    expect(names.filter((name) => name === "content_block_stop")).toHaveLength(2);
  });

  it("ends OpenAI streams with data: [DONE] and no event names", async () => {
    double = await startOpenAIDouble({ turns: [{ text: "hey" }] });
    const text = await (await post(`${double.url}/chat/completions`, { stream: true })).text();
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect(eventNames(text)).toEqual([]);
  });

  it("answers unknown paths with 404 in the provider's error shape, consuming no turn", async () => {
    double = await startGeminiDouble({ turns: [{ text: "x" }] });
    const res = await post(`${double.url}/v1beta/models/m:countTokens`, {});
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 404, status: "NOT_FOUND" } });
    expect(double.pending()).toBe(1);
    expect(double.requests).toHaveLength(1);
  });

  it("counts an error turn as consumed and sets retry-after", async () => {
    double = await startOpenAIDouble({
      turns: [{ error: { status: 503, retryAfterSecs: 2 } }, { text: "x" }],
    });
    const res = await post(`${double.url}/chat/completions`, { stream: true });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("2");
    expect(await res.json()).toMatchObject({ error: { type: "server_error" } });
    expect(double.pending()).toBe(1);
  });

  it("records method, path with query, lower-cased headers, and non-JSON bodies as text", async () => {
    double = await startAnthropicDouble({ turns: [] });
    await post(`${double.url}/v1/messages?beta=true`, "not json");
    expect(double.requests[0]).toMatchObject({
      method: "POST",
      path: "/v1/messages?beta=true",
      body: "not json",
    });
    expect(double.requests[0]?.headers["x-custom-header"]).toBe("Mixed");
  });

  it("waits delayMs before answering and chunkDelayMs between events", async () => {
    double = await startOpenAIDouble({
      turns: [{ delayMs: 150 }, { text: "abc", chunkDelayMs: 40 }],
    });
    let started = Date.now();
    await (await post(`${double.url}/chat/completions`, { stream: true })).text();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    started = Date.now();
    // role, three text pieces, finish, [DONE]: five gaps.
    await (await post(`${double.url}/chat/completions`, { stream: true })).text();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("drops the connection for a cut on a non-streaming call", async () => {
    double = await startAnthropicDouble({ turns: [{ text: "x", cutAfterEvents: 0 }] });
    await expect(post(`${double.url}/v1/messages`, { stream: false })).rejects.toThrow();
  });

  it("closes promptly while a paced stream is still being written, and only once", async () => {
    double = await startAnthropicDouble({ turns: [{ text: "slow", chunkDelayMs: 10_000 }] });
    const res = await post(`${double.url}/v1/messages`, { stream: true });
    const body = res.text();
    const started = Date.now();
    await Promise.all([double.close(), double.close()]);
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(body).rejects.toThrow();
    await expect(fetch(`${double.url}/v1/messages`)).rejects.toThrow();
  });
});

describe("script helpers", () => {
  it("splits text into up to three pieces without tearing surrogate pairs", () => {
    expect(splitText("abcdefg")).toEqual(["abc", "def", "g"]);
    expect(splitText("ab")).toEqual(["a", "b"]);
    expect(splitText("")).toEqual([]);
    expect(splitText("😀😀😀😀").join("")).toBe("😀😀😀😀");
    expect(splitText("😀😀😀😀").every((piece) => !/^[\uDC00-\uDFFF]/.test(piece))).toBe(true);
  });

  it("splits even empty JSON into at least two pieces", () => {
    expect(splitJson({})).toEqual(["{", "}"]);
    expect(splitJson({ a: 1 }).length).toBe(3);
  });
});
