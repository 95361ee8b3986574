// Streams assistant text (and, when asked, dimmed thinking) as deltas arrive, keeping track of the line.
import type { Palette } from "../terminal/colours.js";

type Kind = "assistant" | "thinking";

export class TextStream {
  /** The cursor is after text on an unfinished line. */
  midLine = false;
  private current: Kind | undefined;
  private readonly sawDelta: Record<Kind, boolean> = { assistant: false, thinking: false };
  /** The last complete assistant message, so a result repeating it is not printed twice. */
  lastAssistant = "";

  constructor(
    private readonly write: (text: string) => void,
    private readonly palette: Palette,
    private readonly showThinking: boolean,
  ) {}

  delta(kind: Kind, content: string): void {
    this.sawDelta[kind] = true;
    this.emit(kind, content);
  }

  /** A message ended; its text is printed now only when no delta of it was. */
  complete(kind: Kind, content: string): void {
    if (!this.sawDelta[kind]) this.emit(kind, content);
    this.sawDelta[kind] = false;
    if (kind === "assistant") this.lastAssistant = content;
    if (this.current === kind) this.break();
  }

  /** Ends the block in progress, so what follows starts on a fresh line. */
  break(): void {
    if (this.midLine) this.write("\n");
    this.midLine = false;
    this.current = undefined;
  }

  private emit(kind: Kind, content: string): void {
    if (kind === "thinking" && !this.showThinking) return;
    if (!content) return;
    if (this.current !== kind) {
      this.break();
      this.current = kind;
      if (kind === "thinking") this.write(this.palette.dim("(thinking) "));
    }
    this.write(kind === "thinking" ? this.palette.dim(content) : content);
    this.midLine = !content.endsWith("\n");
  }
}
