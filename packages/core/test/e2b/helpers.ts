// Shared setup of the E2B provider tests: a fresh loopback E2B double per test, options, output.
import { type E2BDouble, startE2BDouble } from "@sandcaster/testkit";
import { afterEach, beforeEach } from "vitest";
import {
  createE2BProvider,
  type E2BProviderSettings,
  type E2BSandboxProvider,
} from "../../src/providers/e2b/index.js";
import type {
  CreateSandboxOptions,
  Sandbox,
  SandboxProcess,
  SandboxProvider,
} from "../../src/sandbox/sandbox.js";

export const never: AbortSignal = new AbortController().signal;
export const text = (value: string) => new TextEncoder().encode(value);

/** Starts a double before each test (closed after it) and hands out providers bound to it. */
export function useDouble() {
  const state: { double: E2BDouble; sandboxes: Sandbox[] } = {
    double: undefined as unknown as E2BDouble,
    sandboxes: [],
  };
  beforeEach(async () => {
    state.double = await startE2BDouble();
  });
  afterEach(async () => {
    await Promise.all(state.sandboxes.splice(0).map((sandbox) => sandbox.destroy()));
    await state.double.close();
  });
  const provider = (settings: E2BProviderSettings = {}): E2BSandboxProvider =>
    createE2BProvider({
      apiKey: state.double.apiKey,
      apiUrl: state.double.apiUrl,
      sandboxUrl: state.double.sandboxUrl,
      ...settings,
    });
  const create = async (
    from: SandboxProvider = provider(),
    overrides: Partial<CreateSandboxOptions> = {},
  ): Promise<Sandbox> => {
    const sandbox = await from.create(sandboxOptions(overrides));
    state.sandboxes.push(sandbox);
    return sandbox;
  };
  return {
    get double() {
      return state.double;
    },
    provider,
    create,
  };
}

export function sandboxOptions(
  overrides: Partial<CreateSandboxOptions> = {},
): CreateSandboxOptions {
  return {
    runId: "run-1",
    env: {},
    limits: { memoryMb: 512, cpus: 1, pids: 256, timeoutMs: 60_000, network: "bridge" },
    signal: never,
    ...overrides,
  };
}

/** Spawns `bash -c script` in the workspace. */
export function sh(sandbox: Sandbox, script: string, env: Record<string, string> = {}) {
  return sandbox.spawn({ command: ["bash", "-c", script], env, signal: never });
}

export async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  let out = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) out += decoder.decode(chunk, { stream: true });
  return out + decoder.decode();
}

/** Runs a script to its end: exit status and both outputs. */
export async function run(sandbox: Sandbox, script: string, env: Record<string, string> = {}) {
  const process: SandboxProcess = await sh(sandbox, script, env);
  const [stdout, stderr, exit] = await Promise.all([
    readAll(process.stdout),
    readAll(process.stderr),
    process.wait(),
  ]);
  return { stdout, stderr, ...exit };
}

/** The code of a rejected SandboxError (or the rejection itself when it has none). */
export async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return "resolved";
  } catch (error) {
    return (error as { code?: unknown }).code ?? error;
  }
}
