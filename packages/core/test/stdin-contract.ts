// The stdin pipe of SandboxProcess, checked the same way on every provider (real processes only).
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import type { Sandbox, SandboxProcess } from "../src/sandbox/sandbox.js";

export interface StdinTarget {
  /** A fresh sandbox; the caller destroys it after each test. */
  create(): Promise<Sandbox>;
  /** Live processes (not zombies) whose argv carries `marker`, wherever the provider runs them. */
  leftovers(sandbox: Sandbox, marker: string): Promise<number[]>;
  /**
   * Bytes of a write that cannot complete while the process does not read (more than every buffer
   * on the way). Default 8 MiB; keep it as small as the provider allows: E2B's SDK encodes a write
   * synchronously (about 2 s per MiB), and a loop blocked for seconds skews every timer in the
   * test process.
   */
  pendingWriteBytes?: number;
}

/** Answers each stdin line with `got:<line>` as soon as it arrives; prints `eof` at EOF. */
const ECHO_SCRIPT = `
let pending = Buffer.alloc(0);
process.stdin.on("data", (data) => {
  pending = Buffer.concat([pending, data]);
  for (let i = pending.indexOf(10); i >= 0; i = pending.indexOf(10)) {
    process.stdout.write("got:" + pending.subarray(0, i).toString() + "\\n");
    pending = pending.subarray(i + 1);
  }
});
process.stdin.on("end", () => process.stdout.write("eof\\n"));
`;

/** Prints the hex of everything read from stdin, at EOF. */
const HEX_SCRIPT = `
const chunks = [];
process.stdin.on("data", (data) => chunks.push(data));
process.stdin.on("end", () => process.stdout.write("hex:" + Buffer.concat(chunks).toString("hex") + "\\n"));
`;

/** Never reads stdin: a write bigger than the pipe's buffers stays pending. */
const IDLE_SCRIPT = `process.stdout.write("ready\\n"); setInterval(() => {}, 1000);`;

const bytes = (text: string) => new TextEncoder().encode(text);

/** A reader of a process's stdout that collects text and waits for what it expects. */
function stdoutOf(process: SandboxProcess) {
  const reader = process.stdout.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  let done = false;
  return {
    /** Reads until `text` appeared (fails after `ms`, e.g. when output waits for EOF). */
    async until(text: string, ms = 10_000): Promise<string> {
      const deadline = Date.now() + ms;
      while (!seen.includes(text)) {
        if (done) throw new Error(`stdout ended without ${JSON.stringify(text)}: ${seen}`);
        const left = deadline - Date.now();
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no ${JSON.stringify(text)} within ${ms} ms: ${seen}`)),
            Math.max(left, 0),
          );
        });
        try {
          const chunk = await Promise.race([reader.read(), timeout]);
          if (chunk.done) done = true;
          else seen += decoder.decode(chunk.value, { stream: true });
        } finally {
          clearTimeout(timer);
        }
      }
      return seen;
    },
    async rest(): Promise<string> {
      while (!done) {
        const chunk = await reader.read();
        if (chunk.done) done = true;
        else seen += decoder.decode(chunk.value, { stream: true });
      }
      return seen;
    },
  };
}

async function pendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const marker = Symbol("pending");
  const delay = new Promise((resolve) => setTimeout(() => resolve(marker), ms));
  return (
    (await Promise.race([
      promise.then(
        () => null,
        () => null,
      ),
      delay,
    ])) === marker
  );
}

/** Registers the stdin tests in the caller's describe block. */
export function stdinContract(target: StdinTarget): void {
  const spawn = (sandbox: Sandbox, script: string, stdin: boolean, marker = randomUUID()) =>
    sandbox.spawn({
      command: [sandbox.nodePath, "-e", script, marker],
      env: {},
      stdin,
      signal: new AbortController().signal,
    });

  it("answers each line before the next is written, in order, and exits 0 at EOF", async () => {
    const sandbox = await target.create();
    const proc = await spawn(sandbox, ECHO_SCRIPT, true);
    const stdin = proc.stdin;
    if (!stdin) throw new Error("spawn({ stdin: true }) gave no stdin");
    const writer = stdin.getWriter();
    const out = stdoutOf(proc);
    await writer.write(bytes("one\n"));
    expect(await out.until("got:one\n")).toBe("got:one\n");
    await writer.write(bytes("tw"));
    await writer.write(bytes("o\nthree\n"));
    expect(await out.until("got:three\n")).toBe("got:one\ngot:two\ngot:three\n");
    // Writes issued together still arrive in order.
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i}`);
    await Promise.all(lines.map((line) => writer.write(bytes(`${line}\n`))));
    const answers = await out.until("got:line 39\n");
    expect(answers).toBe(`got:one\ngot:two\ngot:three\n${lines.map((l) => `got:${l}\n`).join("")}`);
    await writer.close();
    expect((await out.rest()).endsWith("got:line 39\neof\n")).toBe(true);
    expect(await proc.wait()).toEqual({ exitCode: 0 });
  });

  it("carries binary bytes unchanged", async () => {
    const sandbox = await target.create();
    const proc = await spawn(sandbox, HEX_SCRIPT, true);
    const writer = proc.stdin?.getWriter();
    if (!writer) throw new Error("spawn({ stdin: true }) gave no stdin");
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const invalidUtf8 = Uint8Array.from([0xff, 0xfe, 0xc3, 0x28, 0x00, 0xe2, 0x82]);
    for (const chunk of [all.subarray(0, 100), all.subarray(100), invalidUtf8]) {
      await writer.write(chunk);
    }
    await writer.close();
    const out = await stdoutOf(proc).rest();
    expect(out).toBe(`hex:${Buffer.concat([all, invalidUtf8]).toString("hex")}\n`);
    expect(await proc.wait()).toEqual({ exitCode: 0 });
  });

  it("rejects writes once the process has ended, without crashing", async () => {
    const sandbox = await target.create();
    const proc = await spawn(sandbox, "process.exit(0)", true);
    const writer = proc.stdin?.getWriter();
    if (!writer) throw new Error("spawn({ stdin: true }) gave no stdin");
    expect(await proc.wait()).toEqual({ exitCode: 0 });
    await expect(writer.write(bytes("too late\n"))).rejects.toMatchObject({
      code: "SANDBOX_EXEC_FAILED",
    });
    await expect(writer.write(bytes("again\n"))).rejects.toMatchObject({
      code: "SANDBOX_EXEC_FAILED",
    });

    // close() after the end resolves: there is nothing left to close.
    const closed = await spawn(sandbox, "process.exit(0)", true);
    await closed.wait();
    await closed.stdin?.close();
  });

  it("settles a pending write when the process is killed, and leaves nothing behind", async () => {
    const sandbox = await target.create();
    const marker = randomUUID();
    const proc = await spawn(sandbox, IDLE_SCRIPT, true, marker);
    await stdoutOf(proc).until("ready\n");
    expect(await target.leftovers(sandbox, marker)).not.toEqual([]);
    const writer = proc.stdin?.getWriter();
    if (!writer) throw new Error("spawn({ stdin: true }) gave no stdin");
    const write = writer.write(
      new Uint8Array(target.pendingWriteBytes ?? 8 * 1024 * 1024).fill(0x61),
    );
    write.catch(() => {});
    expect(await pendingAfter(write, 300)).toBe(true);
    await proc.kill();
    await expect(write).rejects.toMatchObject({ code: "SANDBOX_EXEC_FAILED" });
    expect((await proc.wait()).exitCode).toBeNull();
    expect(await target.leftovers(sandbox, marker)).toEqual([]);
  });

  it("without stdin: true, gives no stdin and the process sees EOF at once", async () => {
    const sandbox = await target.create();
    const proc = await spawn(sandbox, ECHO_SCRIPT, false);
    expect(proc.stdin).toBeUndefined();
    expect(await stdoutOf(proc).rest()).toBe("eof\n");
    expect(await proc.wait()).toEqual({ exitCode: 0 });
  });
}
