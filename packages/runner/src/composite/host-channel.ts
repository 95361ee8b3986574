// The runner's side of the host channel: a request is one host-request line on stdout, its answer
// one line on stdin with the same id. Answers may come in any order; unknown ids are ignored.
import {
  HOST_REQUEST,
  type HostAnswer,
  HostAnswerSchema,
  type HostRequestBody,
} from "@sandcaster/protocol";

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

export class HostChannel {
  private readonly pending = new Map<string, Pending>();
  private next = 0;
  private closed: Error | undefined;

  /**
   * `write` puts one line on stdout (the event stream); `answers` yields stdin's lines and ends
   * when the host closes stdin.
   */
  constructor(
    private readonly write: (line: string) => void,
    answers: AsyncIterable<string>,
  ) {
    void this.read(answers);
  }

  /** The answer's result; rejects with the host's error text, on abort, or when stdin ended. */
  request(body: HostRequestBody, signal: AbortSignal): Promise<unknown> {
    if (this.closed) return Promise.reject(this.closed);
    if (signal.aborted) return Promise.reject(new Error("cancelled"));
    const id = `h${++this.next}`;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.pending.delete(id);
        reject(new Error("cancelled"));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.pending.set(id, {
        resolve: (result) => {
          signal.removeEventListener("abort", onAbort);
          resolve(result);
        },
        reject: (error) => {
          signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      });
      this.write(`${JSON.stringify({ type: HOST_REQUEST, id, ...body })}\n`);
    });
  }

  private async read(answers: AsyncIterable<string>): Promise<void> {
    try {
      for await (const line of answers) {
        if (line.trim() === "") continue;
        let answer: HostAnswer;
        try {
          answer = HostAnswerSchema.parse(JSON.parse(line));
        } catch {
          process.stderr.write(`runner: ignored an unreadable host answer\n`);
          continue;
        }
        const waiting = this.pending.get(answer.id);
        if (!waiting) continue;
        this.pending.delete(answer.id);
        if (answer.ok) waiting.resolve(answer.result);
        else waiting.reject(new Error(answer.error));
      }
    } finally {
      this.closed = new Error("the host closed the channel (stdin ended)");
      for (const waiting of this.pending.values()) waiting.reject(this.closed);
      this.pending.clear();
    }
  }
}
