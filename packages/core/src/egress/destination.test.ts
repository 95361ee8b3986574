import { describe, expect, it } from "vitest";
import { parseAuthority, parseRequestTarget } from "./destination.js";

describe("parseAuthority", () => {
  it.each([
    ["example.com:443", "example.com", 443],
    ["Example.COM.:8443", "example.com", 8443],
    ["10.0.0.1:80", "10.0.0.1", 80],
    ["[::1]:443", "::1", 443],
  ])("reads %s", (text, host, port) => {
    expect(parseAuthority(text)).toEqual({ ok: true, destination: { host, port } });
  });

  it.each([
    ["example.com", "needs host:port"],
    ["example.com:0", "out of range"],
    ["example.com:99999", "out of range"],
    ["user@example.com:443", "not host:port"],
    ["exa mple.com:443", "not host:port"],
    ["bad_name.com:443", "not a host name"],
    ["[example.com]:443", "not host:port"],
    ["::1:443", "not host:port"],
    [`${"a".repeat(400)}:443`, "too long"],
  ])("refuses %j", (text, message) => {
    const parsed = parseAuthority(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(message);
  });
});

describe("parseRequestTarget", () => {
  it("reads absolute http URIs, port 80 by default", () => {
    expect(parseRequestTarget("http://Example.com/a?b=1", undefined)).toEqual({
      ok: true,
      destination: { host: "example.com", port: 80, path: "/a?b=1" },
    });
    expect(parseRequestTarget("http://[::1]:8080/", undefined)).toEqual({
      ok: true,
      destination: { host: "::1", port: 8080, path: "/" },
    });
  });

  it("reads numeric hosts the way clients do (so the address check sees the real address)", () => {
    expect(parseRequestTarget("http://2130706433/", undefined)).toMatchObject({
      ok: true,
      destination: { host: "127.0.0.1" },
    });
  });

  it("takes the Host header for an origin-form request", () => {
    expect(parseRequestTarget("/x", "a.test:8080")).toEqual({
      ok: true,
      destination: { host: "a.test", port: 8080, path: "/x" },
    });
    expect(parseRequestTarget("/x", undefined).ok).toBe(false);
  });

  it("refuses other schemes", () => {
    const parsed = parseRequestTarget("https://example.com/", undefined);
    expect(parsed).toMatchObject({ ok: false });
    if (!parsed.ok) expect(parsed.message).toContain("CONNECT");
    expect(parseRequestTarget("ftp://example.com/", undefined).ok).toBe(false);
  });
});
