import { describe, expect, it } from "vitest";
import { FetchHeaders } from "./headers.js";

describe("FetchHeaders", () => {
  it("matches names case-insensitively and joins appended values as Node's Headers does", () => {
    const ours = new FetchHeaders({ "Content-Type": "application/json" });
    const node = new Headers({ "Content-Type": "application/json" });
    for (const headers of [ours, node]) {
      headers.append("X-Many", "a");
      headers.append("x-many", " b ");
      headers.set("X-One", "1");
      headers.set("x-one", "2");
      headers.append("Set-Cookie", "a=1");
      headers.append("set-cookie", "b=2");
      headers.append("b-first", "z");
      headers.delete("B-FIRST");
    }
    expect([...ours]).toEqual([...node]);
    expect(ours.get("X-MANY")).toBe("a, b");
    expect(ours.get("missing")).toBeNull();
    expect(ours.has("content-type")).toBe(true);
    expect(ours.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect([...ours.keys()]).toEqual([...node.keys()]);
    expect([...ours.values()]).toEqual([...node.values()]);
    const seen: string[] = [];
    ours.forEach((value, name) => {
      seen.push(`${name}=${value}`);
    });
    expect(seen).toEqual([...node].map(([name, value]) => `${name}=${value}`));
  });

  it("takes a record, pairs, or another Headers (any class that iterates pairs)", () => {
    const fromPairs = new FetchHeaders([
      ["A", "1"],
      ["a", "2"],
    ]);
    expect(fromPairs.get("a")).toBe("1, 2");
    expect(new FetchHeaders(new Headers({ B: "x" })).get("b")).toBe("x");
    expect(new FetchHeaders(fromPairs).get("A")).toBe("1, 2");
    expect(new FetchHeaders({ skip: undefined, list: ["1", "2"] } as never).has("skip")).toBe(
      false,
    );
  });

  it("refuses what a request could be split or smuggled with", () => {
    const headers = new FetchHeaders();
    expect(() => headers.set("bad name", "x")).toThrow(TypeError);
    expect(() => headers.set("x", "a\r\nInjected: 1")).toThrow(TypeError);
    expect(() => new FetchHeaders([["only-name"]] as never)).toThrow(TypeError);
    expect(String(headers)).toBe("[object Headers]");
  });
});
