// The last lines of a running tool's output, drawn under the spinner on a terminal and erased
// before anything else is written. Relative cursor moves only, so it survives scrolling.
import type { OutputStream, Palette } from "../terminal/colours.js";

/** Lines of a running tool's output kept under the spinner. */
const TAIL_LINES = 3;
/** Escape sequences and control characters: a tool's output must not move our cursor. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const CONTROL = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f]/g;

export class LiveTail {
  private lines: string[] = [];
  private partial = "";
  private rows = 0;

  constructor(
    private readonly out: OutputStream,
    private readonly palette: Palette,
  ) {}

  /** Takes a piece of output (of the call shown under the spinner). */
  push(text: string): void {
    const parts = (this.partial + text).split(/\r?\n|\r/);
    this.partial = parts.pop() ?? "";
    for (const part of parts) {
      const clean = part.replace(CONTROL, "").trimEnd();
      if (clean.trim()) this.lines.push(clean);
    }
    this.lines = this.lines.slice(-TAIL_LINES);
  }

  /** Forgets the output (its call ended). */
  reset(): void {
    this.lines = [];
    this.partial = "";
  }

  /** Erases the tail and the spinner's line; the cursor ends at the start of that line. */
  clear(): void {
    if (this.rows === 0) return;
    this.out.write("\r\x1b[J");
    this.rows = 0;
  }

  /** Draws the tail below the cursor's line and comes back to the start of that line. */
  draw(): void {
    const partial = this.partial.replace(CONTROL, "").trimEnd();
    const shown = partial.trim() ? [...this.lines, partial].slice(-TAIL_LINES) : this.lines;
    if (shown.length === 0) return;
    const width = Math.max(20, (this.out.columns ?? 80) - 1);
    const fit = (line: string) => {
      const text = `  │ ${line.replace(/\t/g, "  ")}`;
      return text.length > width ? `${text.slice(0, width - 1)}…` : text;
    };
    const body = shown.map((line) => `\n\x1b[2K${this.palette.dim(fit(line))}`).join("");
    this.out.write(`${body}\x1b[J\x1b[${shown.length}A\r`);
    this.rows = shown.length;
  }
}
