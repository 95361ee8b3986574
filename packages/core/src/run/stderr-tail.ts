// Keeps the last lines of the runner's stderr, to explain a crash.
export class StderrTail {
  private readonly lines: string[] = [];

  constructor(private readonly size = 20) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.size) this.lines.shift();
  }

  text(): string {
    return this.lines.join("\n");
  }
}
