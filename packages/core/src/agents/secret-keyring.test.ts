import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parsePreviousKeys, SecretKeyring } from "./secret-keyring.js";

describe("SecretKeyring", () => {
  const old = randomBytes(32);
  const current = randomBytes(32);

  it("opens what a previous key sealed, and says it is stale; what it seals is current", () => {
    const sealedOld = new SecretKeyring(old).seal("value-1", "a/K");
    const ring = new SecretKeyring(current, [old]);
    expect(ring.open(sealedOld, "a/K")).toEqual({ value: "value-1", stale: true });
    const resealed = ring.seal("value-1", "a/K");
    expect(ring.open(resealed, "a/K")).toEqual({ value: "value-1", stale: false });
    // The new key alone opens the re-sealed value, not the old one.
    expect(new SecretKeyring(current).open(resealed, "a/K").value).toBe("value-1");
    expect(() => new SecretKeyring(current).open(sealedOld, "a/K")).toThrow();
  });

  it("refuses a value moved to another context even with the right key among the previous", () => {
    const sealed = new SecretKeyring(old).seal("value-1", "a/K");
    expect(() => new SecretKeyring(current, [old]).open(sealed, "b/K")).toThrow();
  });

  it("reads previous keys comma-separated and names the ones that are not keys", () => {
    const text = `${old.toString("base64")}, not-a-key ,${current.toString("hex")}`;
    const parsed = parsePreviousKeys(text);
    expect(parsed.keys).toEqual([old, current]);
    expect(parsed.invalid).toEqual([2]);
    expect(parsePreviousKeys(undefined)).toEqual({ keys: [], invalid: [] });
  });
});
