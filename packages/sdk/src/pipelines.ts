// client.pipelines: markdown documents whose bash blocks run as steps (POST /pipelines). The stream
// is a RunStream like query's; its `result` holds the document with the results written back.
import type { PipelineRequestInput } from "@sandcaster/protocol";
import { runSource } from "./run-source.js";
import { RunStream } from "./run-stream.js";
import type { Transport } from "./transport.js";
import type { StreamOptions } from "./types.js";

export type PipelineRunOptions = Omit<PipelineRequestInput, "markdown"> & StreamOptions;

export class Pipelines {
  readonly #transport: Transport;
  readonly #defaults: { maxRetries: number; idleTimeoutMs: number };

  constructor(transport: Transport, defaults: { maxRetries: number; idleTimeoutMs: number }) {
    this.#transport = transport;
    this.#defaults = defaults;
  }

  /**
   * Starts the pipeline and streams its events (`step_start`, `stdout`, `stderr`, `step_end`,
   * `file`, then `result` with `exitCode` and the written-back markdown). Nothing is sent until the
   * stream is read; a 400 (no bash block, bad front matter) is thrown from that read.
   */
  run(markdown: string, options: PipelineRunOptions = {}): RunStream {
    const { maxRetries, idleTimeoutMs, signal, headers, ...request } = options;
    const transport = this.#transport;
    const source = runSource(transport, {
      open: (opened) =>
        transport.stream({
          method: "POST",
          path: "/pipelines",
          body: { ...request, markdown },
          headers,
          signal: opened,
        }),
      headers,
      cancelOnLeave: request.onDisconnect !== "continue",
    });
    return new RunStream(source, {
      maxRetries: maxRetries ?? this.#defaults.maxRetries,
      idleTimeoutMs: idleTimeoutMs ?? this.#defaults.idleTimeoutMs,
      signal,
    });
  }
}
