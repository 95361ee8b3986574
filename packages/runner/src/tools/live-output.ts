// Live output of one tool call, as tool_output events: coalesced, whole lines, bounded.
// A flood cannot swamp the stream (at most one event per stream per FLUSH_MS, and a byte budget
// per call after which one TOOL_OUTPUT_CUT warning says so); the agent's result is separate.
import type { SandcasterEvent } from "@sandcaster/protocol";

/** Bytes of live output one call streams at most (the same budget as exec_in's). */
export const LIVE_OUTPUT_BYTES = 256 * 1024;
/** Pending output is sent at most this often: ≤ 2 streams × 10/s = 20 events/s per call. */
export const FLUSH_MS = 100;
/** A line longer than this is sent in pieces rather than held back. */
const MAX_HELD_LINE = 8 * 1024;

export type OutputStream = "stdout" | "stderr";

export interface LiveOutputOptions {
  toolName: string;
  toolUseId?: string | undefined;
  emit(event: SandcasterEvent): void;
  budgetBytes?: number;
  flushMs?: number;
}

/**
 * Text is sent in whole words while the command runs: the host redacts secrets event by event, so
 * a secret must never be split across two events. A partial line waits for its end (\n or \r);
 * past MAX_HELD_LINE it goes up to its last whitespace; a cut at the budget drops a partial word.
 */
export class LiveOutput {
  private readonly pending: Record<OutputStream, string> = { stdout: "", stderr: "" };
  private sent = 0;
  private cut = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly budget: number;
  private readonly flushMs: number;

  constructor(private readonly options: LiveOutputOptions) {
    this.budget = options.budgetBytes ?? LIVE_OUTPUT_BYTES;
    this.flushMs = options.flushMs ?? FLUSH_MS;
  }

  /** Takes a decoded piece of a stream; sends it later, coalesced with what follows. */
  write(stream: OutputStream, text: string): void {
    if (this.closed || this.cut || text === "") return;
    this.pending[stream] += text;
    // Never hold more than the budget could still send: a flood costs memory only up to it.
    const room = this.budget - this.sent;
    if (Buffer.byteLength(this.pending.stdout) + Buffer.byteLength(this.pending.stderr) > room) {
      this.flush(true);
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush(false);
    }, this.flushMs);
  }

  /** Sends what is left (partial lines too); nothing is sent after. Call before the tool_result. */
  close(): void {
    if (this.closed) return;
    this.flush(true);
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flush(all: boolean): void {
    for (const stream of ["stdout", "stderr"] as const) {
      const text = this.pending[stream];
      if (text === "") continue;
      const end = all ? text.length : sendable(text);
      if (end === 0) continue;
      this.pending[stream] = text.slice(end);
      this.send(stream, text.slice(0, end));
    }
    if (!all && !this.closed && (this.pending.stdout || this.pending.stderr)) {
      // A partial line waits for its newline; check again at the next tick.
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.flush(false);
      }, this.flushMs);
    }
  }

  private send(stream: OutputStream, text: string): void {
    if (this.cut) return;
    const room = this.budget - this.sent;
    let content = text;
    if (Buffer.byteLength(content) > room) {
      const fits = Buffer.from(content)
        .subarray(0, room)
        .toString("utf8")
        .replace(/\uFFFD$/, "");
      content = fits.slice(0, wordEnd(fits));
      this.cut = true;
    }
    this.sent += Buffer.byteLength(content);
    const { toolName, toolUseId, emit } = this.options;
    if (content !== "") {
      emit({ type: "tool_output", toolName, ...(toolUseId ? { toolUseId } : {}), stream, content });
    }
    if (this.cut) {
      this.pending.stdout = "";
      this.pending.stderr = "";
      emit({
        type: "warning",
        code: "TOOL_OUTPUT_CUT",
        content: `${toolName}: live output stopped after ${this.budget} bytes (the command goes on; its result is cut as usual)`,
      });
    }
  }
}

/** How much of a pending text may go now: up to its last line end, or to a word's end if long. */
function sendable(text: string): number {
  const lineEnd = Math.max(text.lastIndexOf("\n"), text.lastIndexOf("\r"));
  if (lineEnd >= 0) return lineEnd + 1;
  return text.length >= MAX_HELD_LINE ? wordEnd(text) : 0;
}

/** The length of `text` up to and with its last whitespace (0 when it has none). */
function wordEnd(text: string): number {
  for (let i = text.length - 1; i >= 0; i--) if (/\s/.test(text[i] ?? "")) return i + 1;
  return 0;
}
