// Keeps tool output within the model's budget, showing head and tail and saying what was cut.

function marker(cut: number): string {
  return `\n[... ${cut} characters cut ...]\n`;
}

/**
 * Joins a known head and tail of a text of `total` characters into at most about `limit`
 * characters. The tail is kept because errors and summaries usually come last.
 */
export function joinHeadTail(head: string, tail: string, total: number, limit: number): string {
  const budget = Math.max(0, limit - marker(total).length);
  const headLen = Math.min(head.length, Math.floor(budget / 2));
  const tailLen = Math.min(tail.length, budget - headLen);
  const cut = total - headLen - tailLen;
  return head.slice(0, headLen) + marker(cut) + (tailLen > 0 ? tail.slice(-tailLen) : "");
}

/** `text` unchanged when it fits in `limit` characters, else its head and tail with a note. */
export function truncateMiddle(text: string, limit: number): string {
  if (text.length <= limit) return text;
  return joinHeadTail(text, text, text.length, limit);
}

/**
 * Collects a stream of text in bounded memory: the first `limit` characters and the last
 * `limit` characters, while counting everything, so a command printing gigabytes costs little.
 */
export class HeadTailBuffer {
  private head = "";
  private tailChunks: string[] = [];
  private tailLength = 0;
  private total = 0;

  constructor(private readonly limit: number) {}

  push(chunk: string): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.head.length < this.limit) {
      const room = this.limit - this.head.length;
      this.head += rest.slice(0, room);
      rest = rest.slice(room);
    }
    if (rest === "") return;
    this.tailChunks.push(rest);
    this.tailLength += rest.length;
    // Drop whole chunks that the last `limit` characters no longer reach.
    while (this.tailChunks.length > 1) {
      const first = this.tailChunks[0] ?? "";
      if (this.tailLength - first.length < this.limit) break;
      this.tailChunks.shift();
      this.tailLength -= first.length;
    }
  }

  get totalChars(): number {
    return this.total;
  }

  /** Everything collected, cut to `limit` characters with a marker when it was longer. */
  text(): string {
    const tail = this.tailChunks.join("");
    if (this.head.length + tail.length === this.total)
      return truncateMiddle(this.head + tail, this.limit);
    return joinHeadTail(this.head, tail.slice(-this.limit), this.total, this.limit);
  }
}
