import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseSecretsKey, SecretBox } from "./secret-box.js";

describe("SecretBox", () => {
  const box = new SecretBox(randomBytes(32));

  it("opens what it sealed, and the sealed form does not hold the value", () => {
    const sealed = box.seal("sk-live-value", "agent-a/TOKEN");
    expect(JSON.stringify(sealed)).not.toContain("sk-live-value");
    expect(box.open(sealed, "agent-a/TOKEN")).toBe("sk-live-value");
  });

  it("refuses a value moved to another agent or key, tampered, or under another key", () => {
    const sealed = box.seal("sk-live-value", "agent-a/TOKEN");
    expect(() => box.open(sealed, "agent-b/TOKEN")).toThrow();
    const data = Buffer.from(sealed.data, "base64");
    data[0] = (data[0] ?? 0) ^ 1;
    expect(() => box.open({ ...sealed, data: data.toString("base64") }, "agent-a/TOKEN")).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, "agent-a/TOKEN")).toThrow();
  });

  it("reads a 32-byte key as hex or base64, nothing else", () => {
    const key = randomBytes(32);
    expect(parseSecretsKey(key.toString("hex"))).toEqual(key);
    expect(parseSecretsKey(key.toString("base64"))).toEqual(key);
    expect(parseSecretsKey("too-short")).toBeUndefined();
    expect(parseSecretsKey(undefined)).toBeUndefined();
  });
});
