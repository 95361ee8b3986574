import { describe, expect, it } from "vitest";
import { createRedactor, redactDeep, redactedRunFields } from "./redact.js";

const R = "[REDACTED]";

describe("createRedactor", () => {
  it("replaces every occurrence of a secret", () => {
    const redact = createRedactor(["sk-secret-1"]);
    expect(redact("a sk-secret-1 b sk-secret-1sk-secret-1")).toBe(`a ${R} b ${R}${R}`);
  });

  it("replaces several different secrets", () => {
    const redact = createRedactor(["alpha-key", "beta-key-2"]);
    expect(redact("alpha-key / beta-key-2")).toBe(`${R} / ${R}`);
  });

  it("replaces the longest secret first, whatever the input order", () => {
    const redact = createRedactor(["abcdef", "abcdefghijkl"]);
    expect(redact("x abcdefghijkl y abcdef")).toBe(`x ${R} y ${R}`);
    expect(redact("abcdefghijkl")).not.toContain("ghijkl");
  });

  it("ignores secrets shorter than 6 characters, empty strings and undefined", () => {
    const redact = createRedactor(["12345", "", undefined, "123456"]);
    expect(redact("12345 and 123456")).toBe(`12345 and ${R}`);
  });

  it("is the identity when there is no usable secret", () => {
    const redact = createRedactor([undefined, "short"]);
    expect(redact("short text stays")).toBe("short text stays");
  });

  it("treats secrets literally, not as patterns", () => {
    const redact = createRedactor(["a.b*c+d$"]);
    expect(redact("aXbbbcd a.b*c+d$")).toBe(`aXbbbcd ${R}`);
  });

  it("leaves text without secrets unchanged", () => {
    expect(createRedactor(["sk-secret-1"])("nothing here")).toBe("nothing here");
  });
});

describe("redaction at cuts", () => {
  const key = `sk-ant-${"api03-abcdefghijklmnop"}`;
  const redact = createRedactor([key]);

  it("hides a secret's head before and its tail after the runner's truncation marker", () => {
    const text = `out ${key.slice(0, 17)}\n[... 4096 characters cut ...]\n${key.slice(17)}tail`;
    const out = redact(text);
    expect(out).toBe(`out ${R}\n[... 4096 characters cut ...]\n${R}tail`);
  });

  it("hides a long head of a secret at the end of any text and a long tail at its start", () => {
    expect(redact(`x ${key.slice(0, 10)}`)).toBe(`x ${R}`);
    expect(redact(`${key.slice(-9)} y`)).toBe(`${R} y`);
    expect(redact(`a line cut at ${key.slice(0, 12)}…`)).toBe(`a line cut at ${R}…`);
  });

  it("hides a short head only when the caller says the text was cut", () => {
    expect(redact("ends with sk-an")).toBe("ends with sk-an");
    expect(redact("ends with sk-an", { cut: true })).toBe(`ends with ${R}`);
  });

  it("leaves ordinary text near a marker alone", () => {
    const text = "hello sk-\n[... 10 characters cut ...]\nworld";
    expect(redact(text)).toBe(text);
  });
});

describe("redactedRunFields", () => {
  it("redacts the stored prompt, including a key split by the preview cut, and metadata", () => {
    const key = `sk-ant-${"api03-abcdefghijklmnop"}`;
    const redact = createRedactor([key]);
    const prompt = `${"p".repeat(190)}${key}`;
    const fields = redactedRunFields(prompt, { note: `k=${key}`, n: [key] }, redact);
    expect(fields.prompt).not.toContain("sk-ant-api03");
    expect(fields.prompt).toContain(R);
    expect(fields.metadata).toEqual({ note: `k=${R}`, n: [R] });
  });
});

describe("redactDeep", () => {
  const redact = createRedactor(["sk-live-123"]);

  it("redacts strings nested in objects and arrays", () => {
    const input = {
      content: "key=sk-live-123",
      nested: { list: ["sk-live-123", { deep: "x sk-live-123 y" }] },
    };
    expect(redactDeep(input, redact)).toEqual({
      content: `key=${R}`,
      nested: { list: [R, { deep: `x ${R} y` }] },
    });
  });

  it("leaves numbers, booleans and null as they are", () => {
    const input = { n: 42, f: 1.5, b: true, no: false, z: null, s: "sk-live-123" };
    expect(redactDeep(input, redact)).toEqual({ ...input, s: R });
  });

  it("redacts a top-level string and does not mutate the input", () => {
    expect(redactDeep("sk-live-123", redact)).toBe(R);
    const input = { a: ["sk-live-123"] };
    redactDeep(input, redact);
    expect(input.a[0]).toBe("sk-live-123");
  });

  it("catches a JSON-escaped secret once the JSON is parsed", () => {
    const text = '{"type":"assistant","content":"my key is \\u0073k-live-123"}';
    // The raw text does not contain the secret, so text redaction misses it...
    expect(redact(text)).toBe(text);
    // ...but the parsed value does.
    const parsed: unknown = JSON.parse(text);
    const out = redactDeep(parsed, redact);
    expect(out).toEqual({ type: "assistant", content: `my key is ${R}` });
    expect(JSON.stringify(out)).not.toContain("live-123");
  });
});

describe("createRedactor on cut text", () => {
  it("hides the start of a secret that a cut left at the end of a line", () => {
    const redact = createRedactor(["sk-ant-0123456789abcdef"]);
    expect(redact("junk sk-ant-012", { cut: true })).toBe("junk [REDACTED]");
    // Uncut text keeps a short prefix (ordinary text may end like a key starts)...
    expect(redact("junk sk-ant")).toBe("junk sk-ant");
    // ...but not eight characters or more, wherever the cut came from.
    expect(redact("junk sk-ant-012")).toBe("junk [REDACTED]");
    expect(redact("ends with sk", { cut: true })).toBe("ends with sk");
  });
});
