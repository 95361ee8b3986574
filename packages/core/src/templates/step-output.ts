// Reads a build step's stdout and stderr as they come: whole lines to the build log, and the end
// of the output kept for the failure report.
const TAIL_CHARS = 4_000;

export class StepOutput {
  tail = "";
  #partial = "";

  constructor(private readonly onLog: (line: string) => void) {}

  push(text: string): void {
    this.tail = (this.tail + text).slice(-TAIL_CHARS);
    const lines = (this.#partial + text).split("\n");
    this.#partial = lines.pop() ?? "";
    for (const line of lines) this.onLog(line);
  }

  /** Reads one stream to its end. */
  async read(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream) this.push(decoder.decode(chunk, { stream: true }));
    this.push(decoder.decode());
  }

  flush(): void {
    if (this.#partial) this.onLog(this.#partial);
    this.#partial = "";
  }
}
