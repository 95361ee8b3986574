// The exec phase of a pipeline run: stage the request's files, run the steps in order (stopping at
// the first failure unless the step says continue-on-error), report the files they wrote, and end
// with a `result` whose content is the document with every step's result written back.
import { posix } from "node:path";
import { ERROR_CODES, type RequestFile, type ResultEvent } from "@sandcaster/protocol";
import { artifactEvents } from "../run/artifacts.js";
import type { RunExec } from "../run/run-exec.js";
import type { Sandbox, StagedFile } from "../sandbox/sandbox.js";
import type { ParsedPipeline } from "./parse-pipeline.js";
import { type StepResult, stepSummary } from "./result-block.js";
import { runStep } from "./run-step.js";
import { writeResults } from "./write-results.js";

/** What a step killed by its own timeout exits with, as timeout(1) does. */
export const TIMED_OUT_EXIT_CODE = 124;

function staged(sandbox: Sandbox, pipeline: ParsedPipeline, files: readonly RequestFile[]) {
  const encoder = new TextEncoder();
  const out: StagedFile[] = [
    // Also the baseline of readChangedFiles: what the steps write is reported, the inputs are not.
    {
      path: posix.join(sandbox.runnerDir, "pipeline.md"),
      content: encoder.encode(pipeline.source),
      mode: 0o644,
    },
  ];
  for (const file of files) {
    out.push({
      path: posix.join(sandbox.workspacePath, file.path),
      content:
        file.encoding === "base64"
          ? new Uint8Array(Buffer.from(file.content, "base64"))
          : encoder.encode(file.content),
      mode: 0o644,
    });
  }
  return out;
}

function exitCodeOf(result: StepResult): number {
  if (result.timedOut) return TIMED_OUT_EXIT_CODE;
  return result.exitCode ?? 1;
}

export function pipelineExec(pipeline: ParsedPipeline, files: readonly RequestFile[]): RunExec {
  return {
    kind: "pipeline",
    async run(scope, sandbox) {
      const { signal } = scope;
      await sandbox.writeFiles(staged(sandbox, pipeline, files), signal);
      const env = { ...(pipeline.frontMatter.env ?? {}) };
      const results: StepResult[] = [];
      let exitCode = 0;
      let failed: StepResult | undefined;
      for (const step of pipeline.steps) {
        scope.emit({
          type: "step_start",
          content: `step ${step.index + 1}: ${step.command.split("\n")[0] ?? ""}`,
          index: step.index,
          command: step.command,
        });
        const result = await runStep(step, { sandbox, env, signal, emit: scope.emit });
        if (signal.aborted) throw signal.reason;
        scope.emit({
          type: "step_end",
          content: stepSummary(result),
          index: step.index,
          exitCode: result.exitCode,
          durationSecs: result.durationSecs,
          ...(result.timedOut ? { timedOut: true } : {}),
        });
        results.push(result);
        if (result.exitCode === 0 && !result.timedOut) continue;
        if (step.continueOnError) continue;
        exitCode = exitCodeOf(result);
        failed = result;
        break;
      }
      const changed = await sandbox.readChangedFiles(scope.services.config.artifacts, signal);
      for (const event of artifactEvents(changed, scope.redact)) scope.emit(event);
      const result: ResultEvent = {
        type: "result",
        subtype: exitCode === 0 ? "success" : "step_failed",
        content: writeResults(pipeline, results),
        exitCode,
        numTurns: 0,
      };
      // A failed step fails the run (as the CLI's exit code says): recorded `error`, while the
      // `result` still ends the stream, since it carries the document with the results written in.
      const failure = failed && {
        code: ERROR_CODES.PIPELINE_FAILED,
        message: `${stepSummary(failed)} (step index ${failed.index})`,
      };
      return { result, filesCount: changed.files.length, failure };
    },
  };
}
