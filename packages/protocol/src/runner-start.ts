// What the host sends a pre-booted runner (started idle in a pooled sandbox with
// `--await-config`) when a run takes the sandbox: one JSON line on its stdin. Until this line the
// runner holds nothing of any run: the config (with a gateway's per-run token) and the env (a
// provider key when there is no gateway) arrive only here.
import * as z from "zod";
import { RunnerConfigSchema } from "./runner-config.js";

/** The flag that starts a runner idle, waiting for a RunnerStart line on stdin. */
export const AWAIT_CONFIG_FLAG = "--await-config";

/**
 * The one line an idle runner prints (stdout, before anything of a run) once it has warmed up:
 * its SDKs loaded and its way to a first model request rehearsed. The host strips it; a pool
 * prefers sandboxes whose runner said it.
 */
export const RUNNER_READY_LINE = '{"sandcaster":"runner-ready"}';

export const RunnerStartSchema = z.strictObject({
  config: RunnerConfigSchema,
  /** The runner process's environment for this run (what a cold runner gets at spawn). */
  env: z.record(z.string(), z.string()),
});

export type RunnerStartInput = z.input<typeof RunnerStartSchema>;
export type RunnerStart = z.output<typeof RunnerStartSchema>;
