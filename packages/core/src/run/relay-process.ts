// Relays a running runner: stdout lines become events as they arrive, stderr lines become `stderr` events.
import type { ResultEvent, SandcasterEvent } from "@sandcaster/protocol";
import type { ExitStatus, SandboxProcess } from "../sandbox/sandbox.js";
import { splitLines } from "./line-splitter.js";
import { parseRunnerLine } from "./parse-runner-line.js";
import type { Redact } from "./redact.js";
import { StderrTail } from "./stderr-tail.js";

/** Protocol lines are small; anything past this is cut and reported. */
export const MAX_RUNNER_LINE_BYTES = 1024 * 1024;
const MAX_STDERR_LINE_BYTES = 8 * 1024;

export interface RelayOutcome {
  exit: ExitStatus;
  /** Held back: the caller emits it after the artifacts. */
  result: ResultEvent | undefined;
  sawError: boolean;
  stderrTail: string;
}

export async function relayProcess(
  process: SandboxProcess,
  emit: (event: SandcasterEvent) => void,
  redact: Redact,
): Promise<RelayOutcome> {
  let result: ResultEvent | undefined;
  let sawError = false;
  const tail = new StderrTail();

  const stdout = (async () => {
    for await (const line of splitLines(process.stdout, MAX_RUNNER_LINE_BYTES)) {
      const event = parseRunnerLine({ ...line, text: redact(line.text) });
      if (!event) continue;
      if (event.type === "result") {
        result = event;
        continue;
      }
      if (event.type === "error") sawError = true;
      emit(event);
    }
  })();
  const stderr = (async () => {
    for await (const line of splitLines(process.stderr, MAX_STDERR_LINE_BYTES)) {
      const content = redact(line.text);
      if (content.trim() === "") continue;
      tail.push(content);
      emit({ type: "stderr", content });
    }
  })();
  await Promise.all([stdout, stderr]);
  const exit = await process.wait();
  return { exit, result, sawError, stderrTail: tail.text() };
}
