import type { SandcasterEvent } from "@sandcaster/protocol";
import { describe, expect, it, vi } from "vitest";
import type { ExitStatus, SandboxProcess } from "../sandbox/sandbox.js";
import { createRedactor } from "./redact.js";
import { relayProcess } from "./relay-process.js";

const encoder = new TextEncoder();

function controlled() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  return {
    stream,
    write: (text: string) => controller.enqueue(encoder.encode(text)),
    line: (value: unknown) => controller.enqueue(encoder.encode(`${JSON.stringify(value)}\n`)),
    close: () => controller.close(),
  };
}

function fakeProcess(exit: ExitStatus = { exitCode: 0 }) {
  const out = controlled();
  const err = controlled();
  const process: SandboxProcess = {
    stdout: out.stream,
    stderr: err.stream,
    wait: async () => exit,
    kill: async () => undefined,
  };
  const closeAll = () => {
    out.close();
    err.close();
  };
  return { process, out, err, closeAll };
}

const noRedact = (text: string) => text;

function start(exit?: ExitStatus, redact = noRedact, signal = new AbortController().signal) {
  const fake = fakeProcess(exit);
  const events: SandcasterEvent[] = [];
  const outcome = relayProcess(fake.process, (e) => events.push(e), redact, signal);
  return { ...fake, events, outcome };
}

const result = (content: string) => ({ type: "result", subtype: "success", content });

describe("relayProcess", () => {
  it("emits each event as its line arrives, before the stream closes", async () => {
    const run = start();
    let settled = false;
    void run.outcome.then(() => (settled = true));

    run.out.line({ type: "assistant", content: "one" });
    await vi.waitFor(() => expect(run.events).toHaveLength(1));
    expect(settled).toBe(false);

    run.out.write('{"type":"assistant",');
    run.out.write('"content":"two"}\n{"type":"thinking","content":"three"}\n');
    await vi.waitFor(() => expect(run.events).toHaveLength(3));
    expect(settled).toBe(false);

    run.closeAll();
    const outcome = await run.outcome;
    expect(run.events.map((e) => e.content)).toEqual(["one", "two", "three"]);
    expect(outcome).toMatchObject({ exit: { exitCode: 0 }, result: undefined, sawError: false });
  });

  it("turns stderr lines into stderr events and keeps the last lines as the tail", async () => {
    const run = start();
    for (let i = 1; i <= 25; i++) run.err.write(`err ${i}\n`);
    run.err.write("\n   \n");
    run.closeAll();
    const outcome = await run.outcome;
    const stderr = run.events.filter((e) => e.type === "stderr");
    expect(stderr).toHaveLength(25);
    expect(stderr[0]).toEqual({ type: "stderr", content: "err 1" });
    const expected = Array.from({ length: 20 }, (_, i) => `err ${i + 6}`).join("\n");
    expect(outcome.stderrTail).toBe(expected);
  });

  it("holds the result back and returns it", async () => {
    const run = start();
    run.out.line({ type: "assistant", content: "answer" });
    run.out.line(result("final"));
    run.closeAll();
    const outcome = await run.outcome;
    expect(run.events.some((e) => e.type === "result")).toBe(false);
    expect(run.events.some((e) => e.type === "warning")).toBe(false);
    expect(outcome.result).toEqual(result("final"));
  });

  it("does not trust a second result: warns and keeps the first", async () => {
    const run = start();
    run.out.line(result("first"));
    run.out.line(result("second"));
    run.closeAll();
    const outcome = await run.outcome;
    expect(outcome.result?.content).toBe("first");
    expect(run.events).toContainEqual(
      expect.objectContaining({ type: "warning", code: "RUNNER_INVALID_EVENT" }),
    );
    expect(run.events.some((e) => e.type === "result")).toBe(false);
  });

  it("does not trust a result after an error", async () => {
    const run = start();
    run.out.line({ type: "error", content: "model failed", code: "MODEL_ERROR" });
    run.out.line(result("pretend success"));
    run.closeAll();
    const outcome = await run.outcome;
    expect(outcome.sawError).toBe(true);
    expect(outcome.result).toBeUndefined();
    // Held back (like a result) so the caller can emit it after the artifacts, as the last event.
    expect(run.events.some((e) => e.type === "error")).toBe(false);
    expect(outcome.error).toMatchObject({ type: "error", content: "model failed" });
    expect(run.events).toContainEqual(
      expect.objectContaining({ type: "warning", code: "RUNNER_INVALID_EVENT" }),
    );
  });

  it("drops a result when the runner exits non-zero", async () => {
    const run = start({ exitCode: 1 });
    run.out.line(result("looks fine"));
    run.closeAll();
    const outcome = await run.outcome;
    expect(outcome.exit).toEqual({ exitCode: 1 });
    expect(outcome.result).toBeUndefined();
    expect(run.events).toContainEqual(
      expect.objectContaining({ type: "warning", code: "RUNNER_INVALID_EVENT" }),
    );
  });

  it("reports invalid stdout lines as warnings without stopping", async () => {
    const run = start();
    run.out.write("garbage\n");
    run.out.line({ type: "stderr", content: "forged" });
    run.out.line({ type: "assistant", content: "still here" });
    run.closeAll();
    await run.outcome;
    expect(run.events.map((e) => [e.type, "code" in e ? e.code : undefined])).toEqual([
      ["warning", "RUNNER_UNPARSABLE_LINE"],
      ["warning", "RUNNER_INVALID_EVENT"],
      ["assistant", undefined],
    ]);
  });

  it("redacts secrets in stdout events, escaped secrets, the result and stderr", async () => {
    const secret = "sk-relay-secret";
    const run = start(undefined, createRedactor([secret]));
    run.out.line({ type: "assistant", content: `key ${secret}` });
    run.out.write('{"type":"tool_use","toolName":"bash","content":"\\u0073k-relay-secret"}\n');
    run.out.write(`oops ${secret}\n`);
    run.out.line(result(`done ${secret}`));
    run.err.write(`stderr ${secret}\n`);
    run.closeAll();
    const outcome = await run.outcome;
    const everything = JSON.stringify({ events: run.events, outcome });
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain("relay-secret");
    expect(run.events).toContainEqual({ type: "assistant", content: "key [REDACTED]" });
    expect(outcome.result?.content).toBe("done [REDACTED]");
    expect(outcome.stderrTail).toBe("stderr [REDACTED]");
  });

  it("resolves soon after an abort even if the process never closes its streams", async () => {
    const controller = new AbortController();
    const run = start(undefined, noRedact, controller.signal);
    run.out.line({ type: "assistant", content: "before" });
    await vi.waitFor(() => expect(run.events).toHaveLength(1));

    const started = Date.now();
    controller.abort();
    run.out.line({ type: "assistant", content: "after abort" });
    run.err.write("after abort\n");
    const outcome = await run.outcome;
    const elapsed = Date.now() - started;

    expect(elapsed).toBeLessThan(3500);
    expect(outcome.exit).toEqual({ exitCode: null, signal: "SIGKILL" });
    expect(run.events.map((e) => e.content)).toEqual(["before"]);
  }, 10_000);

  it("returns the real exit status when an aborted process closes promptly", async () => {
    const controller = new AbortController();
    const run = start({ exitCode: 143, signal: "SIGTERM" }, noRedact, controller.signal);
    controller.abort();
    setTimeout(run.closeAll, 20);
    const started = Date.now();
    const outcome = await run.outcome;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(outcome.exit).toEqual({ exitCode: 143, signal: "SIGTERM" });
  });
});
