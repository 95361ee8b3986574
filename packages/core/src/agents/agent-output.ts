// One output stream of an agent: emitted as events line by line (a secret is redacted whole only
// if it is not cut between two events), and kept whole (capped) for the result or a tail.
import type { Redact } from "../run/redact.js";

/** A line longer than this is emitted in pieces (the redactor still sees each piece's edges). */
const MAX_PENDING_CHARS = 64 * 1024;

export class AgentOutput {
  #pending = "";
  #kept = "";
  #cut = false;

  constructor(
    private readonly redact: Redact,
    private readonly onText: (text: string) => void,
    private readonly maxKeptChars: number,
  ) {}

  add(text: string): void {
    if (this.#kept.length + text.length <= this.maxKeptChars) this.#kept += text;
    else this.#cut = true;
    this.#pending += text;
    const end = this.#pending.lastIndexOf("\n");
    if (end >= 0) {
      this.#emit(this.#pending.slice(0, end + 1));
      this.#pending = this.#pending.slice(end + 1);
    } else if (this.#pending.length > MAX_PENDING_CHARS) {
      this.#emit(this.#pending);
      this.#pending = "";
    }
  }

  end(): void {
    if (this.#pending) this.#emit(this.#pending);
    this.#pending = "";
  }

  #emit(text: string) {
    this.onText(this.redact(text, { cut: true }));
  }

  /** Everything kept, redacted. */
  text(): string {
    return this.redact(this.#kept, { cut: this.#cut });
  }

  tail(chars: number): string {
    return this.redact(this.#kept.slice(-chars), { cut: true });
  }
}
