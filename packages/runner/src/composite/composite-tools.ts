// The tools of a composite workflow: secondary sandboxes the agent spawns, runs commands in, moves
// files between and kills. The host does the work and enforces every limit; these only ask.
import {
  type ExecInResult,
  PRIMARY_SANDBOX,
  type RunnerComposite,
  type SandboxListing,
} from "@sandcaster/protocol";
import * as z from "zod";
import { defineTool, fail, ok } from "../tools/define.js";
import type { ToolDefinition } from "../tools/tool.js";
import { truncateMiddle } from "../tools/truncate.js";
import type { HostChannel } from "./host-channel.js";

function failure(error: unknown) {
  return fail(error instanceof Error ? error.message : String(error));
}

function execText(result: ExecInResult, limit: number): string {
  const status = result.timedOut
    ? "timed out (the command was killed)"
    : `exit code ${result.exitCode ?? "none (killed by a signal)"}`;
  const parts = [status];
  if (result.stdout) parts.push(`--- stdout ---\n${result.stdout}`);
  if (result.stderr) parts.push(`--- stderr ---\n${result.stderr}`);
  if (result.truncated) parts.push("(output was cut by the host)");
  return truncateMiddle(parts.join("\n"), limit);
}

export function compositeTools(channel: HostChannel, limits: RunnerComposite): ToolDefinition[] {
  const providers = limits.allowedProviders.join(", ");
  return [
    defineTool({
      name: "spawn_sandbox",
      description: `Start a new, empty secondary sandbox (its own filesystem and processes) named \`name\`, to run work in parallel. At most ${limits.maxSandboxes} at once and ${limits.maxTotalSpawns} per run; providers: ${providers}. "${PRIMARY_SANDBOX}" is your own sandbox.`,
      schema: z.strictObject({
        name: z.string().describe("lowercase letters, digits and '-'; unique in this run"),
        // Checked by the host (which explains a refusal), not here.
        provider: z.string().optional().describe(`one of: ${providers}; default: your own`),
      }),
      parallel: true,
      sandboxOf: (input) => input.name,
      touches: (input) => [input.name],
      async run(input, context) {
        try {
          const result = (await channel.request(
            {
              op: "spawn",
              name: input.name,
              ...(input.provider ? { provider: input.provider } : {}),
            },
            context.signal,
          )) as SandboxListing;
          return ok(`sandbox "${result.name}" is ready (${result.provider})`);
        } catch (error) {
          return failure(error);
        }
      },
    }),
    defineTool({
      name: "exec_in",
      description: `Run a shell command (sh -c) in a sandbox: a secondary one or "${PRIMARY_SANDBOX}". Its workspace is the working directory. Returns exit code, stdout and stderr. Calls on different sandboxes run in parallel.`,
      schema: z.strictObject({
        sandbox: z.string(),
        command: z.string().min(1),
        timeoutMs: z.int().min(1).max(3_600_000).optional(),
      }),
      parallel: true,
      sandboxOf: (input) => input.sandbox,
      touches: (input) => [input.sandbox],
      async run(input, context) {
        try {
          const result = (await channel.request(
            {
              op: "exec",
              sandbox: input.sandbox,
              command: input.command,
              timeoutMs: Math.min(input.timeoutMs ?? context.bashTimeoutMs, context.bashTimeoutMs),
              ...(context.toolUseId ? { toolUseId: context.toolUseId } : {}),
            },
            context.signal,
          )) as ExecInResult;
          const text = execText(result, context.outputLimitChars);
          return result.exitCode === 0 && !result.timedOut ? ok(text) : fail(text);
        } catch (error) {
          return failure(error);
        }
      },
    }),
    defineTool({
      name: "transfer_files",
      description: `Copy files (paths relative to the workspace; binary-safe) from one sandbox to another, e.g. from a secondary sandbox to "${PRIMARY_SANDBOX}". Directories are not expanded: list files.`,
      schema: z.strictObject({
        from: z.string(),
        to: z.string(),
        paths: z.array(z.string().min(1)).min(1).max(1000),
      }),
      parallel: true,
      sandboxOf: (input) => input.to,
      touches: (input) => [input.from, input.to],
      async run(input, context) {
        try {
          const result = (await channel.request(
            { op: "transfer", from: input.from, to: input.to, paths: input.paths },
            context.signal,
          )) as { files: number; bytes: number };
          return ok(
            `copied ${result.files} file(s), ${result.bytes} bytes, from "${input.from}" to "${input.to}"`,
          );
        } catch (error) {
          return failure(error);
        }
      },
    }),
    defineTool({
      name: "kill_sandbox",
      description: `Destroy a secondary sandbox and everything in it. Sandboxes left are destroyed when the run ends anyway.`,
      schema: z.strictObject({ name: z.string() }),
      parallel: true,
      sandboxOf: (input) => input.name,
      touches: (input) => [input.name],
      async run(input, context) {
        try {
          await channel.request({ op: "kill", name: input.name }, context.signal);
          return ok(`sandbox "${input.name}" is destroyed`);
        } catch (error) {
          return failure(error);
        }
      },
    }),
    defineTool({
      name: "list_sandboxes",
      description: "List the sandboxes of this run (primary included) with provider and state.",
      schema: z.strictObject({}),
      parallel: true,
      touches: () => [],
      async run(_input, context) {
        try {
          const list = (await channel.request({ op: "list" }, context.signal)) as SandboxListing[];
          return ok(list.map((s) => `${s.name}\t${s.provider}\t${s.state}`).join("\n"));
        } catch (error) {
          return failure(error);
        }
      },
    }),
  ];
}
