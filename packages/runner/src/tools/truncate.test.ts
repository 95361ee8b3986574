// truncate: head and tail kept with a marker; the bounded buffer agrees with the plain cut.
import { describe, expect, it } from "vitest";
import { HeadTailBuffer, truncateMiddle } from "./truncate.js";

describe("truncateMiddle", () => {
  it("leaves short text alone", () => {
    expect(truncateMiddle("hello", 5)).toBe("hello");
  });

  it("keeps head and tail with a marker counting the cut", () => {
    const text = `${"a".repeat(5000)}${"b".repeat(5000)}`;
    const out = truncateMiddle(text, 1000);
    expect(out.length).toBeLessThanOrEqual(1000);
    expect(out.startsWith("aaaa")).toBe(true);
    expect(out.endsWith("bbbb")).toBe(true);
    const cut = Number(/\[\.\.\. (\d+) characters cut \.\.\.\]/.exec(out)?.[1]);
    expect(cut).toBeGreaterThan(9000);
    expect(out.replace(/\n\[\.\.\. \d+ characters cut \.\.\.\]\n/, "").length + cut).toBe(10_000);
  });
});

describe("HeadTailBuffer", () => {
  it("matches truncateMiddle while holding only head and tail", () => {
    const limit = 100;
    const buf = new HeadTailBuffer(limit);
    let all = "";
    for (let i = 0; i < 1000; i++) {
      const chunk = `${i},`.repeat((i % 7) + 1);
      buf.push(chunk);
      all += chunk;
    }
    expect(buf.totalChars).toBe(all.length);
    expect(buf.text()).toBe(truncateMiddle(all, limit));
  });

  it("returns short output whole", () => {
    const buf = new HeadTailBuffer(100);
    buf.push("abc");
    buf.push("def");
    expect(buf.text()).toBe("abcdef");
  });
});
