// The exec phase of an agent invocation: the request's files go into the workspace, then the
// entrypoint runs in the agent's directory with the prompt on stdin (then EOF), its secrets and the
// model gateway's URL and token in its own environment only; stdout and stderr stream live; stdout
// whole is the result. A non-zero exit ends the run with AGENT_FAILED.
import { ERROR_CODES, type RequestFile, type ResultEvent } from "@sandcaster/protocol";
import { artifactEvents } from "../run/artifacts.js";
import { createRedactor } from "../run/redact.js";
import { RunError } from "../run/run-error.js";
import type { RunExec } from "../run/run-exec.js";
import { requestFiles } from "../run/stage-files.js";
import { agentGateway } from "./agent-gateway.js";
import { AgentOutput } from "./agent-output.js";

/** The whole stdout kept for the result (more is cut, with a warning). */
const MAX_STDOUT_CHARS = 8 * 1024 * 1024;
const STDERR_TAIL_CHARS = 2_000;

export interface AgentExecInput {
  entrypoint: readonly string[];
  cwd: string;
  prompt: string;
  /** Written into the workspace before the agent starts (its changes after are `file` events). */
  files: readonly RequestFile[];
  /** Decrypted secrets: given to the agent process only, and redacted from everything. */
  secrets: Record<string, string>;
}

/** What the invocation ended with, for the JSON (`?wait=true`) answer. */
export interface AgentExecOutcome {
  output: string;
  exitCode: number | null;
  durationSecs: number;
}

export function agentExec(
  input: AgentExecInput,
  onOutcome: (outcome: AgentExecOutcome) => void,
): RunExec {
  return {
    kind: "agent",
    async run(scope, sandbox, opened) {
      const { signal } = scope;
      await sandbox.writeFiles(requestFiles(sandbox, input.files), signal);
      const gateway = await agentGateway(sandbox, opened, signal);
      const redact = createRedactor([...Object.values(input.secrets), ...(gateway?.secrets ?? [])]);
      const stdout = new AgentOutput(
        redact,
        (content) => scope.emit({ type: "stdout", content }),
        MAX_STDOUT_CHARS,
      );
      const stderr = new AgentOutput(
        redact,
        (content) => scope.emit({ type: "stderr", content }),
        64 * 1024,
      );
      const started = performance.now();
      const agent = await sandbox.spawn({
        command: [...input.entrypoint],
        // Secrets last: an agent's secret named like a gateway variable is its own choice.
        env: {
          ...gateway?.env,
          SANDCASTER_WORKSPACE: sandbox.workspacePath,
          ...input.secrets,
        },
        cwd: input.cwd,
        stdin: true,
        signal,
      });
      const onAbort = () => void agent.kill();
      signal.addEventListener("abort", onAbort, { once: true });
      try {
        const writer = agent.stdin?.getWriter();
        // An agent that never reads stdin may exit first: its exit code tells, not this write.
        await writer?.write(new TextEncoder().encode(input.prompt)).catch(() => undefined);
        await writer?.close().catch(() => undefined);
        const pump = async (stream: ReadableStream<Uint8Array>, into: AgentOutput) => {
          const decoder = new TextDecoder();
          for await (const chunk of stream) into.add(decoder.decode(chunk, { stream: true }));
          into.add(decoder.decode());
          into.end();
        };
        await Promise.all([pump(agent.stdout, stdout), pump(agent.stderr, stderr)]);
        const exit = await agent.wait();
        if (signal.aborted) throw signal.reason;
        const durationSecs = Math.round(performance.now() - started) / 1000;
        const output = stdout.text();
        onOutcome({ output, exitCode: exit.exitCode, durationSecs });
        if (exit.exitCode !== 0) {
          const how =
            exit.exitCode === null
              ? `was killed (${exit.signal ?? "signal"})`
              : `exited with code ${exit.exitCode}`;
          const tail = stderr.tail(STDERR_TAIL_CHARS).trim();
          throw new RunError(
            ERROR_CODES.AGENT_FAILED,
            `the agent ${how}${tail ? `; stderr ends with:\n${tail}` : ""}`,
            "see the agent's stderr events; fix the agent and deploy it again",
            { exitCode: exit.exitCode },
          );
        }
        const changed = await sandbox.readChangedFiles(scope.services.config.artifacts, signal);
        for (const event of artifactEvents(changed, redact)) scope.emit(event);
        const result: ResultEvent = {
          type: "result",
          subtype: "success",
          content: output,
          exitCode: 0,
          durationSecs,
          numTurns: 0,
        };
        return { result, filesCount: changed.files.length };
      } finally {
        signal.removeEventListener("abort", onAbort);
        gateway?.close();
      }
    },
  };
}
