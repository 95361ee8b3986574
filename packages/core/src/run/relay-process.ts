// Relays a running runner: stdout lines become events as they arrive, stderr lines become `stderr` events.
import type { ErrorEvent, ResultEvent, SandcasterEvent } from "@sandcaster/protocol";
import type { ExitStatus, SandboxProcess } from "../sandbox/sandbox.js";
import { type HostLine, readHostLine } from "./composite/host-lines.js";
import { type Line, pumpLines } from "./line-splitter.js";
import { parseRunnerLine } from "./parse-runner-line.js";
import { type Redact, redactDeep } from "./redact.js";
import { StderrTail } from "./stderr-tail.js";

/** Protocol lines are small; anything past this is cut and reported. */
export const MAX_RUNNER_LINE_BYTES = 1024 * 1024;
const MAX_STDERR_LINE_BYTES = 8 * 1024;
/** After a cancel, how long the relay waits for the killed process's streams to end. */
const ABORT_DRAIN_MS = 3000;

export interface RelayOutcome {
  exit: ExitStatus;
  /**
   * The runner's result, held back so the caller emits it after the artifacts. Only trusted when
   * it is the first one, no error came before it, and the runner exited 0.
   */
  result: ResultEvent | undefined;
  /** The runner's first error, held back like the result so that it is the stream's last event. */
  error: ErrorEvent | undefined;
  sawError: boolean;
  stderrTail: string;
}

export interface RelayOptions {
  /** Composite runs: the runner's host requests go here instead of to the client. */
  onHostLine?: ((line: HostLine) => void) | undefined;
}

export function relayProcess(
  process: SandboxProcess,
  emit: (event: SandcasterEvent) => void,
  redact: Redact,
  signal: AbortSignal,
  options: RelayOptions = {},
): Promise<RelayOutcome> {
  let result: ResultEvent | undefined;
  let error: ErrorEvent | undefined;
  let sawError = false;
  let extraResults = 0;
  const tail = new StderrTail();

  // Lines are handled as they arrive, by callbacks: an open run holds no async iterators.
  const onStdoutLine = (line: Line) => {
    if (options.onHostLine && !line.truncated) {
      const hostLine = readHostLine(line.text);
      if (hostLine) {
        if (!signal.aborted) options.onHostLine(hostLine);
        return;
      }
    }
    // Raw text first (warnings quote it), decoded fields after parsing (escaped secrets).
    const parsed = parseRunnerLine({ ...line, text: redact(line.text, { cut: line.truncated }) });
    if (!parsed || signal.aborted) return;
    const event = redactDeep(parsed, redact);
    if (event.type === "result") {
      if (result || sawError) extraResults++;
      else result = event;
      return;
    }
    if (event.type === "error") {
      sawError = true;
      if (!error) {
        error = event;
        return;
      }
    }
    emit(event);
  };
  const onStderrLine = (line: Line) => {
    const content = redact(line.text, { cut: line.truncated });
    if (content.trim() === "" || signal.aborted) return;
    tail.push(content);
    emit({ type: "stderr", content });
  };
  // The exit status once both streams have ended, or soon after an abort: a cancelled run must not
  // hang on a process that keeps its output open (e.g. a daemonised child). One promise settled by
  // whichever comes first, not races of promises: this waits for the run's whole life, and every
  // promise, reaction and resolver in it is held that long (10,000 open runs).
  const exited = new Promise<ExitStatus>((resolve, reject) => {
    let open = 2;
    const streamEnded = () => {
      if (--open === 0) process.wait().then(resolve, reject);
    };
    pumpLines(process.stdout, MAX_RUNNER_LINE_BYTES, onStdoutLine, streamEnded, reject);
    pumpLines(process.stderr, MAX_STDERR_LINE_BYTES, onStderrLine, streamEnded, reject);
    const onAbort = () => {
      setTimeout(resolve, ABORT_DRAIN_MS, { exitCode: null, signal: "SIGKILL" }).unref();
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  return exited.then((exit): RelayOutcome => {
    if (extraResults > 0 || (result && exit.exitCode !== 0)) {
      emit({
        type: "warning",
        code: "RUNNER_INVALID_EVENT",
        content:
          "the runner's result was not accepted: it came after an error, was repeated, or the runner failed",
      });
      if (exit.exitCode !== 0) result = undefined;
    }
    return {
      exit,
      result: sawError ? undefined : result,
      error,
      sawError,
      stderrTail: tail.text(),
    };
  });
}
