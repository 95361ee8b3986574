// One step's output as it goes into the result markdown: the head and the tail (a failing
// command's reason comes last), with how many bytes between them were left out.

export class StepOutput {
  private head = "";
  private tail = "";
  private omitted = 0;

  constructor(
    private readonly headChars: number,
    private readonly tailChars: number,
  ) {}

  add(text: string): void {
    const room = this.headChars - this.head.length;
    if (room > 0) {
      this.head += text.slice(0, room);
      text = text.slice(room);
    }
    if (text === "") return;
    const joined = this.tail + text;
    const cut = Math.max(0, joined.length - this.tailChars);
    this.omitted += Buffer.byteLength(joined.slice(0, cut));
    this.tail = joined.slice(cut);
  }

  result(): { output: string; omittedBytes: number } {
    if (this.omitted === 0) return { output: this.head + this.tail, omittedBytes: 0 };
    return { output: `${this.head}\n…\n${this.tail}`, omittedBytes: this.omitted };
  }
}
