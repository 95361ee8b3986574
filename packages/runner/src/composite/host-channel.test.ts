// The runner's host channel: request lines out, answers matched by id in any order, failures.
import { describe, expect, it } from "vitest";
import { HostChannel } from "./host-channel.js";

/** An async line source the test feeds by hand. */
function lines() {
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  return {
    push(line: string) {
      queue.push(line);
      wake?.();
    },
    end() {
      ended = true;
      wake?.();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const line = queue.shift();
        if (line !== undefined) yield line;
        else if (ended) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

describe("HostChannel", () => {
  it("writes one request line per call and settles each by its answer, in any order", async () => {
    const written: string[] = [];
    const input = lines();
    const channel = new HostChannel((line) => written.push(line), input);
    const signal = new AbortController().signal;
    const list = channel.request({ op: "list" }, signal);
    const spawn = channel.request({ op: "spawn", name: "a" }, signal);
    expect(written.map((l) => JSON.parse(l))).toEqual([
      { type: "sandcaster_host_request", id: "h1", op: "list" },
      { type: "sandcaster_host_request", id: "h2", op: "spawn", name: "a" },
    ]);
    expect(written.every((l) => l.endsWith("\n"))).toBe(true);
    input.push('{"id":"h2","ok":false,"error":"limit reached"}');
    input.push("not json");
    input.push('{"id":"h99","ok":true,"result":1}');
    input.push('{"id":"h1","ok":true,"result":[{"name":"primary"}]}');
    await expect(spawn).rejects.toThrow("limit reached");
    await expect(list).resolves.toEqual([{ name: "primary" }]);
  });

  it("rejects pending and later requests once stdin ends, and on abort", async () => {
    const input = lines();
    const channel = new HostChannel(() => {}, input);
    const controller = new AbortController();
    const aborted = channel.request({ op: "list" }, controller.signal);
    controller.abort();
    await expect(aborted).rejects.toThrow("cancelled");
    const pending = channel.request({ op: "list" }, new AbortController().signal);
    input.end();
    await expect(pending).rejects.toThrow(/closed the channel/);
    await expect(channel.request({ op: "list" }, new AbortController().signal)).rejects.toThrow(
      /closed the channel/,
    );
  });
});
