// Phase 3: the runner's config, environment and files in the sandbox, with the extensions' changes.
import type { RunnerConfigInput } from "@sandcaster/protocol";
import type { Sandbox, SandboxProcess } from "../sandbox/sandbox.js";
import { allowedProviders } from "./composite/start-composite.js";
import { secretValues } from "./model-env.js";
import { startIdleRunner, takePrebootedRunner } from "./preboot-runner.js";
import { createRedactor, type Redact } from "./redact.js";
import type { OpenedRunExtension } from "./run-extension.js";
import type { RunScope } from "./run-scope.js";
import { requestFiles, runnerPaths, stagedFiles } from "./stage-files.js";

export interface StagedRunner {
  command: string[];
  env: Record<string, string>;
  /** Redacts the planned secrets and whatever the extensions put in the runner's env. */
  redact: Redact;
  /** A pooled sandbox's idle runner, to be started with `config` and `env` on its stdin. */
  prebooted?: { process: SandboxProcess; config: RunnerConfigInput } | undefined;
}

function runnerConfig(
  scope: RunScope,
  sandbox: Sandbox,
  opened: readonly OpenedRunExtension[],
): RunnerConfigInput {
  const { plan, session, provider, startedAt } = scope;
  const remainingSecs = Math.max(
    1,
    Math.ceil(plan.timeoutSecs - (Date.now() - startedAt.getTime()) / 1000),
  );
  const composite = plan.composite;
  return {
    ...plan.runner,
    ...Object.assign({}, ...opened.map((handle) => handle.runner?.config ?? {})),
    cwd: sandbox.workspacePath,
    timeoutSecs: remainingSecs,
    ...(session && session.history.length > 0 ? { history: session.history } : {}),
    ...(composite
      ? {
          composite: {
            maxSandboxes: composite.maxSandboxes,
            maxTotalSpawns: composite.maxTotalSpawns,
            allowedProviders: allowedProviders(composite, provider.name),
          },
        }
      : {}),
  };
}

export async function stageRunner(
  scope: RunScope,
  sandbox: Sandbox,
  opened: readonly OpenedRunExtension[],
): Promise<StagedRunner> {
  let env: Record<string, string> = { ...scope.plan.env };
  for (const handle of opened) env = handle.runner?.env?.(env) ?? env;
  const config = runnerConfig(scope, sandbox, opened);
  const files = scope.plan.request.files ?? [];
  let prebooted = takePrebootedRunner(sandbox);
  const installed = sandbox.installedRunner;
  if (prebooted) {
    if (files.length > 0) await sandbox.writeFiles(requestFiles(sandbox, files), scope.signal);
  } else if (installed) {
    // The bundle is in the sandbox already (docker): the runner starts as a pooled one does, and
    // its config (with the gateway token) and env follow on its stdin, so no file holds them. It
    // does nothing before that line, so the request's files may land while it boots.
    const [started] = await Promise.all([
      startIdleRunner(sandbox, installed.path, scope.signal),
      files.length > 0 ? sandbox.writeFiles(requestFiles(sandbox, files), scope.signal) : undefined,
    ]);
    prebooted = started.process;
  } else {
    const bundle = await scope.services.loadRunnerBundle();
    await sandbox.writeFiles(stagedFiles(sandbox, bundle, config, files), scope.signal);
  }
  const paths = runnerPaths(sandbox);
  return {
    command: [sandbox.nodePath, paths.runner, "--config", paths.config],
    env,
    redact: createRedactor([
      ...secretValues(scope.plan.env),
      ...secretValues(env),
      ...opened.flatMap((handle) => handle.runner?.secrets ?? []),
    ]),
    ...(prebooted ? { prebooted: { process: prebooted, config } } : {}),
  };
}
