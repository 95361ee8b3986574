// exec_in: one shell command in a sandbox, with no environment of the run's, its output streamed
// live (as tool_output events) and kept, bounded, for the agent's tool result.
import type { ExecInResult } from "@sandcaster/protocol";
import type { Sandbox } from "../../sandbox/sandbox.js";

/** Per stream, the head and the tail the host keeps for the agent (the runner cuts again). */
const KEEP_BYTES = 128 * 1024;
/** After a kill (timeout, cancel), how long the pipes may stay open before the call returns. */
const DRAIN_AFTER_KILL_MS = 3000;

export interface ExecInOptions {
  command: string;
  timeoutMs: number;
  signal: AbortSignal;
  onOutput(stream: "stdout" | "stderr", text: string): void;
}

/**
 * The head and the tail of a stream (KEEP_BYTES each), counting the rest: errors and summaries
 * come last, so the end of a long output must survive, not only its start.
 */
class Kept {
  private readonly head: Uint8Array[] = [];
  private headSize = 0;
  private tail: Buffer = Buffer.alloc(0);
  cut = false;

  add(chunk: Uint8Array): void {
    const room = KEEP_BYTES - this.headSize;
    if (room > 0) {
      const part = chunk.subarray(0, room);
      this.head.push(part);
      this.headSize += part.byteLength;
      chunk = chunk.subarray(part.byteLength);
    }
    if (chunk.byteLength === 0) return;
    const joined = Buffer.concat([this.tail, chunk]);
    if (joined.byteLength > KEEP_BYTES) this.cut = true;
    this.tail = joined.subarray(Math.max(0, joined.byteLength - KEEP_BYTES));
  }

  text(): string {
    const head = Buffer.concat(this.head).toString("utf8");
    const tail = this.tail.toString("utf8");
    return this.cut ? `${head}\n[… output cut by the host …]\n${tail}` : head + tail;
  }
}

async function pump(
  stream: ReadableStream<Uint8Array>,
  kept: Kept,
  emit: (text: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    kept.add(chunk);
    const text = decoder.decode(chunk, { stream: true });
    if (text) emit(text);
  }
  const rest = decoder.decode();
  if (rest) emit(rest);
}

export async function execInSandbox(
  sandbox: Sandbox,
  options: ExecInOptions,
): Promise<ExecInResult> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([options.signal, timeout]);
  const process = await sandbox.spawn({
    command: ["/bin/sh", "-c", options.command],
    env: {},
    cwd: sandbox.workspacePath,
    signal,
  });
  const stdout = new Kept();
  const stderr = new Kept();
  const onAbort = () => void process.kill();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const pumped = Promise.all([
      pump(process.stdout, stdout, (text) => options.onOutput("stdout", text)),
      pump(process.stderr, stderr, (text) => options.onOutput("stderr", text)),
    ]);
    // Once killed, a child that keeps the pipes open (a daemon) must not hold the call forever.
    const killed = new Promise<void>((resolve) => {
      const after = () => setTimeout(resolve, DRAIN_AFTER_KILL_MS).unref();
      if (signal.aborted) after();
      else signal.addEventListener("abort", after, { once: true });
    });
    await Promise.race([pumped, killed]);
    const exit = signal.aborted
      ? await Promise.race([
          process.wait(),
          new Promise<{ exitCode: null }>((resolve) =>
            setTimeout(() => resolve({ exitCode: null }), DRAIN_AFTER_KILL_MS).unref(),
          ),
        ])
      : await process.wait();
    return {
      exitCode: exit.exitCode,
      timedOut: timeout.aborted && !options.signal.aborted,
      stdout: stdout.text(),
      stderr: stderr.text(),
      truncated: stdout.cut || stderr.cut,
    };
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
