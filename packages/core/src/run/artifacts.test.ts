import { describe, expect, it } from "vitest";
import type { ChangedFiles } from "../sandbox/sandbox.js";
import { artifactEvents } from "./artifacts.js";
import { createRedactor } from "./redact.js";

const redact = createRedactor(["sk-artifact-secret"]);
const utf8 = (s: string) => new TextEncoder().encode(s);

describe("artifactEvents", () => {
  it("returns UTF-8 text as text, redacted", () => {
    const changed: ChangedFiles = {
      files: [{ path: "notes/é.md", content: utf8("token: sk-artifact-secret ✓ 😀\n") }],
      skipped: [],
    };
    expect(artifactEvents(changed, redact)).toEqual([
      { type: "file", path: "notes/é.md", content: "token: [REDACTED] ✓ 😀\n" },
    ]);
  });

  it("returns an empty file as empty text", () => {
    const events = artifactEvents(
      { files: [{ path: "e", content: new Uint8Array() }], skipped: [] },
      redact,
    );
    expect(events).toEqual([{ type: "file", path: "e", content: "" }]);
  });

  it("returns bytes containing NUL as base64, unaltered", () => {
    const content = Uint8Array.of(0x61, 0x00, 0x62, 0xff);
    const [event] = artifactEvents({ files: [{ path: "bin", content }], skipped: [] }, redact);
    expect(event).toEqual({ type: "file", path: "bin", content: "YQBi/w==", encoding: "base64" });
  });

  it("returns invalid UTF-8 (no NUL) as base64", () => {
    const content = Uint8Array.of(0x68, 0x69, 0xc3, 0x28); // "hi" + broken 2-byte sequence
    const [event] = artifactEvents({ files: [{ path: "bad.txt", content }], skipped: [] }, redact);
    expect(event).toMatchObject({ type: "file", encoding: "base64" });
    expect(event?.type === "file" && Buffer.from(event.content, "base64")).toEqual(
      Buffer.from(content),
    );
  });

  it("returns a truncated multi-byte sequence at the end as base64", () => {
    const content = utf8("emoji 😀").subarray(0, -1);
    const [event] = artifactEvents({ files: [{ path: "cut", content }], skipped: [] }, redact);
    expect(event).toMatchObject({ encoding: "base64" });
  });

  it("keeps file order and turns skipped files into ARTIFACT_SKIPPED warnings after them", () => {
    const changed: ChangedFiles = {
      files: [
        { path: "a.txt", content: utf8("A") },
        { path: "b.txt", content: utf8("B") },
      ],
      skipped: [
        { path: "big.bin", size: 5_000_000, reason: "file_too_large" },
        { path: "more.txt", size: 10, reason: "too_many_files" },
      ],
    };
    const events = artifactEvents(changed, redact);
    expect(events.map((e) => e.type)).toEqual(["file", "file", "warning"]);
    expect(events[0]).toMatchObject({ path: "a.txt", content: "A" });
    expect(events[2]).toMatchObject({ type: "warning", code: "ARTIFACT_SKIPPED" });
    expect(events[2]?.content).toContain("2 artifacts were not returned");
    expect(events[2]?.content).toContain("big.bin (5000000 bytes, file too large)");
    expect(events[2]?.content).toContain("more.txt (10 bytes, too many files)");
  });

  it("summarises 100,000 skipped artifacts in one warning naming the first few", () => {
    const skipped = Array.from({ length: 100_000 }, (_, i) => ({
      path: `f${i}`,
      size: 1,
      reason: "too_many_files" as const,
    }));
    const events = artifactEvents({ files: [], skipped }, redact);
    expect(events).toHaveLength(1);
    expect(events[0]?.content).toMatch(/^100000 artifacts were not returned: f0 \(1 bytes/);
    expect(events[0]?.content).toContain("f4 (1 bytes");
    expect(events[0]?.content).not.toContain("f5 (");
    expect(events[0]?.content).toMatch(/and 99995 more$/);
  });

  it("redacts a key inside a binary artifact, leaving its other bytes", () => {
    const content = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x00, 0xff]),
      Buffer.from("key=sk-artifact-secret;"),
      Buffer.from([0x00, 0xfe]),
    ]);
    const [event] = artifactEvents({ files: [{ path: "img.png", content }], skipped: [] }, redact);
    expect(event).toMatchObject({ type: "file", encoding: "base64" });
    const bytes = Buffer.from(event?.type === "file" ? event.content : "", "base64");
    expect(bytes.includes("sk-artifact-secret")).toBe(false);
    expect(bytes).toEqual(
      Buffer.concat([
        Buffer.from([0x89, 0x50, 0x00, 0xff]),
        Buffer.from("key=[REDACTED];"),
        Buffer.from([0x00, 0xfe]),
      ]),
    );
  });

  it("returns nothing when nothing changed", () => {
    expect(artifactEvents({ files: [], skipped: [] }, redact)).toEqual([]);
  });
});
