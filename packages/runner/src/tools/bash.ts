// The bash tool: runs one shell command in its own process group, bounded in time and output.
import { StringDecoder } from "node:string_decoder";
import * as z from "zod";
import { defineBuiltInTool, fail, ok } from "./define.js";
import type { ToolOutcome } from "./tool.js";
import { HeadTailBuffer } from "./truncate.js";

/** Model-provider credentials of the runner itself; the agent's shell must not see them. */
export const SECRET_ENV_VARS: readonly string[] = [
  "ANTHROPIC_API_KEY",
  "OPENAI_API_KEY",
  "GOOGLE_API_KEY",
  "GEMINI_API_KEY",
  "OPENROUTER_API_KEY",
  "E2B_API_KEY",
];

/** setTimeout treats anything longer as 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/** After the shell exits, how long a background job still holding its pipes may delay us. */
const DRAIN_GRACE_MS = 250;

const schema = () =>
  z.strictObject({
    command: z.string().min(1).describe("The bash command line to run."),
    timeoutSecs: z
      .number()
      .positive()
      .optional()
      .describe("Timeout in seconds (capped by the run's own limit)."),
  });

export function childEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const name of SECRET_ENV_VARS) delete env[name];
  return env;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // ESRCH: the group is already gone.
  }
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))}s`;
}

function withNote(output: string, note: string): string {
  if (output === "") return note;
  return `${output}${output.endsWith("\n") ? "\n" : "\n\n"}${note}`;
}

export const bashTool = defineBuiltInTool({
  name: "bash",
  description:
    "Run a bash command in the working directory and return its combined stdout and stderr. " +
    "Stdin is closed, so commands must not wait for input. Long output is cut in the middle. " +
    "A non-zero exit code is reported as an error. Background jobs should redirect their " +
    "output to a file, e.g. `server > server.log 2>&1 &`.",
  schema,
  async run({ command, timeoutSecs }, context) {
    // Loaded at the first command, not at startup: node:child_process (with dgram and net's
    // socket list) is a cold boot's cost before its first model request, and many runs never
    // call bash.
    const { spawn } = await import("node:child_process");
    const timeoutMs = Math.min(
      timeoutSecs === undefined ? Number.POSITIVE_INFINITY : timeoutSecs * 1000,
      context.bashTimeoutMs,
      MAX_TIMER_MS,
    );
    return new Promise<ToolOutcome>((resolve) => {
      const output = new HeadTailBuffer(context.outputLimitChars);
      // Own process group (detached) so a timeout or abort can kill everything it started.
      const child = spawn("bash", ["-c", command], {
        cwd: context.cwd,
        env: childEnv(context.env),
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let ending: "timeout" | "cancelled" | undefined;
      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      let spawnError: Error | undefined;
      let settled = false;
      let drainTimer: NodeJS.Timeout | undefined;

      for (const [name, stream] of [
        ["stdout", child.stdout],
        ["stderr", child.stderr],
      ] as const) {
        const decoder = new StringDecoder("utf8");
        // Kept (cut) for the model, and shown live to the client as it comes.
        const take = (text: string) => {
          output.push(text);
          context.output?.(name, text);
        };
        stream.on("data", (chunk: Buffer) => take(decoder.write(chunk)));
        stream.on("end", () => take(decoder.end()));
        stream.on("error", () => {});
      }

      const stop = (why: "timeout" | "cancelled") => {
        ending ??= why;
        killGroup(child.pid);
      };
      const timer = setTimeout(() => stop("timeout"), timeoutMs);
      const onAbort = () => stop("cancelled");
      context.signal.addEventListener("abort", onAbort, { once: true });

      const finish = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(drainTimer);
        context.signal.removeEventListener("abort", onAbort);
        child.stdout.destroy();
        child.stderr.destroy();
        const text = output.text();
        if (ending === "cancelled") resolve(fail(withNote(text, "cancelled")));
        else if (ending === "timeout") {
          resolve(fail(withNote(text, `command timed out after ${seconds(timeoutMs)}`)));
        } else if (spawnError) resolve(fail(`could not start bash: ${spawnError.message}`));
        else if (exit?.signal) resolve(fail(withNote(text, `killed by signal ${exit.signal}`)));
        else if (exit?.code !== 0) resolve(fail(withNote(text, `exit code ${exit?.code}`)));
        else resolve(ok(text === "" ? "(no output)" : text));
      };

      child.on("error", (err) => {
        spawnError = err;
        finish();
      });
      child.on("exit", (code, signal) => {
        exit = { code, signal };
        // A background job may keep the pipes open for ever; don't wait on it past a grace.
        drainTimer = setTimeout(finish, DRAIN_GRACE_MS);
      });
      child.on("close", finish);
    });
  },
});
