import { describe, expect, it } from "vitest";
import {
  formatHostPattern,
  type HostPattern,
  hostPatternCovers,
  hostPatternMatches,
  parseHostPattern,
} from "./host-pattern.js";

function pattern(text: string): HostPattern {
  const parsed = parseHostPattern(text);
  if (typeof parsed === "string") throw new Error(`${text}: ${parsed}`);
  return parsed;
}

describe("parseHostPattern", () => {
  it.each([
    ["Example.COM.", "example.com"],
    ["*.Example.com", "*.example.com"],
    ["example.com:8443", "example.com:8443"],
    ["203.0.113.7", "203.0.113.7"],
    ["203.0.113.7:80", "203.0.113.7:80"],
    ["[2001:DB8::1]:443", "[2001:db8::1]:443"],
    ["[2001:db8::1]", "[2001:db8::1]"],
    ["localhost", "localhost"],
  ])("reads %s as %s", (text, canonical) => {
    expect(formatHostPattern(pattern(text))).toBe(canonical);
  });

  it.each([
    ["", "not a host name"],
    ["*", "first label"],
    ["a.*.com", "first label"],
    ["*.203.0.113.7", "wildcard"],
    ["10.0.0.*", "first label"],
    ["256.1.1.1", "neither"],
    ["example.com:0", "out of range"],
    ["example.com:70000", "out of range"],
    ["example.com:http", "not a number"],
    ["2001:db8::1", "brackets"],
    ["[2001:db8::1", "closing"],
    ["[zz::1]", "IPv6"],
    ["-bad.com", "not a host name"],
    ["exa mple.com", "not a host name"],
    ["http://example.com", "not a number"],
  ])("refuses %j (%s)", (text, message) => {
    const parsed = parseHostPattern(text);
    expect(typeof parsed).toBe("string");
    expect(parsed).toContain(message);
  });
});

describe("hostPatternMatches", () => {
  it("matches an exact name on 80 and 443 only when no port is given", () => {
    const p = pattern("example.com");
    expect(hostPatternMatches(p, "example.com", 443)).toBe(true);
    expect(hostPatternMatches(p, "example.com", 80)).toBe(true);
    expect(hostPatternMatches(p, "example.com", 22)).toBe(false);
    expect(hostPatternMatches(p, "www.example.com", 443)).toBe(false);
    expect(hostPatternMatches(p, "example.com.evil.test", 443)).toBe(false);
  });

  it("matches subdomains at any depth for a wildcard, never the apex or a look-alike", () => {
    const p = pattern("*.example.com");
    expect(hostPatternMatches(p, "a.example.com", 443)).toBe(true);
    expect(hostPatternMatches(p, "a.b.example.com", 443)).toBe(true);
    expect(hostPatternMatches(p, "example.com", 443)).toBe(false);
    expect(hostPatternMatches(p, "badexample.com", 443)).toBe(false);
  });

  it("matches the one port a pattern names", () => {
    const p = pattern("example.com:8443");
    expect(hostPatternMatches(p, "example.com", 8443)).toBe(true);
    expect(hostPatternMatches(p, "example.com", 443)).toBe(false);
  });
});

describe("hostPatternCovers", () => {
  it.each([
    ["example.com", "example.com", true],
    ["example.com", "example.com:443", true],
    ["example.com", "example.com:8443", false],
    ["example.com:443", "example.com", false],
    ["example.com", "a.example.com", false],
    ["*.example.com", "a.example.com", true],
    ["*.example.com", "*.a.example.com", true],
    ["*.example.com", "*.example.com", true],
    ["*.example.com", "example.com", false],
    ["*.a.example.com", "*.example.com", false],
    ["*.example.com", "203.0.113.7", false],
    ["203.0.113.7", "203.0.113.7:80", true],
  ])("%s covers %s: %s", (outer, inner, expected) => {
    expect(hostPatternCovers(pattern(outer), pattern(inner))).toBe(expected);
  });
});
