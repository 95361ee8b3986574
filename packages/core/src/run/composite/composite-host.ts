// The host's side of a composite run: carries out the runner's requests (spawn, exec, transfer,
// kill, list) against real sandboxes and enforces every limit itself — nothing the runner says
// about limits is trusted. destroyAll() ends every secondary sandbox, whatever ended the run.
import {
  type HostAnswer,
  type HostRequest,
  PRIMARY_SANDBOX,
  type SandboxListing,
  SandboxNameSchema,
  type SandboxProviderName,
  type SandcasterEvent,
} from "@sandcaster/protocol";
import type { Logger } from "pino";
import type { Sandbox, SandboxLimits, SandboxProvider } from "../../sandbox/sandbox.js";
import { retirePrebootedRunner } from "../preboot-runner.js";
import type { Redact } from "../redact.js";
import { execInSandbox } from "./exec-in-sandbox.js";
import type { CompositePlan } from "./plan-composite.js";
import { transferFiles } from "./transfer-files.js";

/** Requests carried out at once; more are refused (the runner gets a tool error). */
const MAX_IN_FLIGHT = 16;
/** Characters of live output (tool_output events) one exec_in call streams at most. */
const LIVE_OUTPUT_CHARS = 256 * 1024;

export interface CompositeHostOptions {
  runId: string;
  plan: CompositePlan;
  primary: Sandbox;
  /** Providers secondary sandboxes may come from (already intersected with the plan). */
  allowedProviders: readonly SandboxProviderName[];
  providerFor(name: SandboxProviderName): Promise<SandboxProvider>;
  limits: SandboxLimits;
  emit(event: SandcasterEvent): void;
  redact: Redact;
  /** Aborts with the run: everything in flight stops. */
  signal: AbortSignal;
  /** Epoch ms after which no command may run (the run's deadline). */
  deadline: number;
  log: Logger;
}

class RefusedError extends Error {}

interface Secondary {
  name: string;
  provider: SandboxProviderName;
  sandbox: Sandbox;
}

export class CompositeHost {
  private readonly secondaries = new Map<string, Secondary>();
  /** Names being created: they count against the limits already. */
  private readonly creating = new Set<string>();
  private spawns = 0;
  private readonly pendingSpawns = new Set<Promise<unknown>>();
  private inFlight = 0;
  private closed = false;

  constructor(private readonly options: CompositeHostOptions) {}

  /** Never throws: failures become `{ok: false, error}` answers the agent sees. */
  async handle(request: HostRequest): Promise<HostAnswer> {
    if (this.inFlight >= MAX_IN_FLIGHT) {
      return {
        id: request.id,
        ok: false,
        error: `at most ${MAX_IN_FLIGHT} sandbox operations at once`,
      };
    }
    this.inFlight++;
    try {
      if (this.closed) throw new RefusedError("the run is over");
      return { id: request.id, ok: true, result: await this.carryOut(request) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!(error instanceof RefusedError)) {
        this.options.log.info({ op: request.op, err: message }, "composite request failed");
      }
      return { id: request.id, ok: false, error: this.options.redact(message) };
    } finally {
      this.inFlight--;
    }
  }

  /** Destroys every secondary sandbox (also those still being created). Idempotent. */
  async destroyAll(): Promise<void> {
    this.closed = true;
    // A spawn still creating destroys its sandbox itself once created (closed): wait for it.
    await Promise.allSettled([...this.pendingSpawns]);
    const all = [...this.secondaries.values()];
    this.secondaries.clear();
    await Promise.all(all.map((s) => s.sandbox.destroy()));
  }

  private carryOut(request: HostRequest): Promise<unknown> {
    switch (request.op) {
      case "spawn": {
        const spawning = this.spawn(request.name, request.provider);
        this.pendingSpawns.add(spawning);
        void spawning.catch(() => {}).finally(() => this.pendingSpawns.delete(spawning));
        return spawning;
      }
      case "exec":
        return this.exec(request.sandbox, request.command, request.timeoutMs, request.toolUseId);
      case "transfer":
        return transferFiles(
          this.sandbox(request.from),
          this.sandbox(request.to),
          request.paths,
          this.options.plan.maxTransferBytes,
          this.options.signal,
        );
      case "kill":
        return this.kill(request.name);
      case "list":
        return Promise.resolve(this.list());
    }
  }

  private sandbox(name: string): Sandbox {
    if (name === PRIMARY_SANDBOX) return this.options.primary;
    const found = this.secondaries.get(name);
    if (!found) throw new RefusedError(`no sandbox named "${name}" (see list_sandboxes)`);
    return found.sandbox;
  }

  private async spawn(name: string, asked: string | undefined): Promise<SandboxListing> {
    const { plan, allowedProviders } = this.options;
    if (!SandboxNameSchema.safeParse(name).success) {
      throw new RefusedError(
        `invalid sandbox name "${name}": lowercase letters, digits and '-', starting with a letter`,
      );
    }
    if (name === PRIMARY_SANDBOX || this.secondaries.has(name) || this.creating.has(name)) {
      throw new RefusedError(`a sandbox named "${name}" already exists`);
    }
    const provider = (asked ?? this.options.primary.provider) as SandboxProviderName;
    if (!allowedProviders.includes(provider)) {
      throw new RefusedError(
        `provider "${asked}" is not allowed in this run (allowed: ${allowedProviders.join(", ")})`,
      );
    }
    if (this.secondaries.size + this.creating.size >= plan.maxSandboxes) {
      throw new RefusedError(
        `limit reached: at most ${plan.maxSandboxes} sandboxes at once (kill_sandbox one first)`,
      );
    }
    if (this.spawns >= plan.maxTotalSpawns) {
      throw new RefusedError(`limit reached: at most ${plan.maxTotalSpawns} spawns per run`);
    }
    this.spawns++;
    this.creating.add(name);
    try {
      const sandbox = await (await this.options.providerFor(provider)).create({
        runId: this.options.runId,
        env: {},
        limits: this.options.limits,
        signal: this.options.signal,
        // A secondary only executes commands: docker boots no runner in it as it starts.
        runsRunner: false,
      });
      // A warm pool's sandbox comes with an idle runner: a secondary runs none.
      await retirePrebootedRunner(sandbox);
      if (this.closed) {
        await sandbox.destroy();
        throw new RefusedError("the run is over");
      }
      this.secondaries.set(name, { name, provider, sandbox });
      this.options.log.info({ sandbox: name, provider, sandboxId: sandbox.id }, "sandbox spawned");
      return { name, provider, state: sandbox.state };
    } finally {
      this.creating.delete(name);
    }
  }

  private async exec(name: string, command: string, timeoutMs: number, toolUseId?: string) {
    const sandbox = this.sandbox(name);
    const left = this.options.deadline - Date.now();
    if (left <= 0) throw new RefusedError("the run's time is up");
    // Live output is for watching; past a budget per call it stops (the agent still gets its cut
    // of the output in the result), so a chatty command cannot flood the stream and the store.
    let streamed = 0;
    let cut = false;
    return execInSandbox(sandbox, {
      command,
      timeoutMs: Math.min(timeoutMs, left),
      signal: this.options.signal,
      onOutput: (stream, text) => {
        if (cut) return;
        streamed += text.length;
        if (streamed > LIVE_OUTPUT_CHARS) {
          cut = true;
          this.options.emit({
            type: "warning",
            code: "TOOL_OUTPUT_CUT",
            content: `exec_in on "${name}": live output stopped after ${LIVE_OUTPUT_CHARS} characters (the command goes on)`,
          });
          return;
        }
        this.options.emit({
          type: "tool_output",
          toolName: "exec_in",
          ...(toolUseId ? { toolUseId } : {}),
          sandbox: name,
          stream,
          content: this.options.redact(text),
        });
      },
    });
  }

  private async kill(name: string): Promise<{ name: string }> {
    if (name === PRIMARY_SANDBOX) throw new RefusedError("the primary sandbox cannot be killed");
    const found = this.secondaries.get(name);
    if (!found) throw new RefusedError(`no sandbox named "${name}"`);
    this.secondaries.delete(name);
    await found.sandbox.destroy();
    return { name };
  }

  private list(): SandboxListing[] {
    const { primary } = this.options;
    return [
      { name: PRIMARY_SANDBOX, provider: primary.provider, state: primary.state },
      ...[...this.secondaries.values()]
        .sort((x, y) => (x.name < y.name ? -1 : 1))
        .map((s) => ({
          name: s.name,
          provider: s.provider,
          state: s.sandbox.state,
        })),
    ];
  }
}
