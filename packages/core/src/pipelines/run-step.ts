// Runs one step in the pipeline's sandbox: `bash -eo pipefail` on the block's text in the
// workspace, its output streamed live as `stdout`/`stderr` events and kept (cut) for the result,
// killed when its own timeout passes.
import type { SandcasterEvent } from "@sandcaster/protocol";
import type { Sandbox } from "../sandbox/sandbox.js";
import type { PipelineStep } from "./parse-pipeline.js";
import type { StepResult } from "./result-block.js";
import { StepOutput } from "./step-output.js";

/** Characters of a step's output kept in the result markdown: this much of the head and the tail. */
const KEPT_HEAD_CHARS = 4_000;
const KEPT_TAIL_CHARS = 8_000;
/** Live output events per step stop after this many characters (the result still gets the tail). */
const LIVE_CHARS = 1_000_000;

export interface StepContext {
  sandbox: Sandbox;
  env: Record<string, string>;
  signal: AbortSignal;
  emit(event: SandcasterEvent): void;
}

async function pump(
  stream: ReadableStream<Uint8Array>,
  onText: (text: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    const text = decoder.decode(chunk, { stream: true });
    if (text) onText(text);
  }
  const rest = decoder.decode();
  if (rest) onText(rest);
}

export async function runStep(step: PipelineStep, context: StepContext): Promise<StepResult> {
  const { sandbox, emit, signal } = context;
  const started = performance.now();
  const kept = new StepOutput(KEPT_HEAD_CHARS, KEPT_TAIL_CHARS);
  let live = 0;
  let cutNoticeSent = false;
  const onText = (stream: "stdout" | "stderr") => (text: string) => {
    kept.add(text);
    if (live < LIVE_CHARS) {
      live += text.length;
      emit({ type: stream, content: text, index: step.index });
    } else if (!cutNoticeSent) {
      cutNoticeSent = true;
      emit({
        type: "warning",
        code: "STEP_OUTPUT_CUT",
        content: `step ${step.index + 1} printed more than ${LIVE_CHARS} characters; the rest is not streamed`,
      });
    }
  };
  const process = await sandbox.spawn({
    // -e and pipefail: a step fails at its first failing command, as CI runners do.
    command: ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step.command],
    env: context.env,
    signal,
  });
  let timedOut = false;
  const timer =
    step.timeoutSecs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          void process.kill();
        }, step.timeoutSecs * 1000);
  try {
    await Promise.all([
      pump(process.stdout, onText("stdout")),
      pump(process.stderr, onText("stderr")),
    ]);
    const exit = await process.wait();
    return {
      index: step.index,
      exitCode: timedOut ? null : exit.exitCode,
      durationSecs: Math.round(performance.now() - started) / 1000,
      timedOut,
      ...kept.result(),
    };
  } finally {
    clearTimeout(timer);
  }
}
