// A one-line spinner with elapsed time, redrawn in place on a terminal; clear() before other output.
import type { OutputStream } from "./colours.js";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const CLEAR_LINE = "\r\x1b[2K";

export interface SpinnerOptions {
  intervalMs?: number;
  now?: () => number;
  /** Styles the frame and the elapsed time (dim on a colour terminal). */
  dim?: (text: string) => string;
}

export class Spinner {
  private label: string | undefined;
  private startedAt = 0;
  private frame = 0;
  private shown = false;
  private held = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly dim: (text: string) => string;
  private readonly intervalMs: number;

  constructor(
    private readonly out: OutputStream,
    options: SpinnerOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    this.dim = options.dim ?? ((text) => text);
    this.intervalMs = options.intervalMs ?? 80;
  }

  /** Shows `label`; the clock restarts unless `keepClock` (the same activity, relabelled). */
  start(label: string, keepClock = false): void {
    if (!keepClock || this.label === undefined) this.startedAt = this.now();
    this.label = label;
    this.timer ??= setInterval(() => this.draw(), this.intervalMs).unref();
    this.draw();
  }

  /** Removes the spinner for good (until the next start). */
  stop(): void {
    this.clear();
    this.label = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  get active(): boolean {
    return this.label !== undefined;
  }

  /** Erases the spinner's line so the caller can write; it comes back at the next draw(). */
  clear(): void {
    if (!this.shown) return;
    this.out.write(CLEAR_LINE);
    this.shown = false;
  }

  /** While held (the cursor is mid-line in streamed text) the spinner draws nothing. */
  hold(held: boolean): void {
    this.held = held;
    if (held) this.clear();
    else this.draw();
  }

  draw(): void {
    if (this.label === undefined || this.held) return;
    const secs = ((this.now() - this.startedAt) / 1000).toFixed(1);
    const glyph = FRAMES[this.frame++ % FRAMES.length] ?? "";
    const width = Math.max(20, (this.out.columns ?? 80) - 1);
    const text = `${glyph} ${this.label} ${secs}s`;
    const fitted = text.length > width ? `${text.slice(0, width - 1)}…` : text;
    this.out.write(`${CLEAR_LINE}${this.dim(fitted)}`);
    this.shown = true;
  }
}
