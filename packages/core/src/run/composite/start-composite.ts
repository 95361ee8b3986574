// Wires a composite run: the runner's host requests (from its stdout) go to a CompositeHost, the
// answers go back on its stdin, one line each, in the order they are ready.
import type { SandboxProviderName, SandcasterEvent } from "@sandcaster/protocol";
import type { Logger } from "pino";
import type { Sandbox, SandboxLimits, SandboxProcess } from "../../sandbox/sandbox.js";
import type { ProviderSelector } from "../../sandbox/select-provider.js";
import type { Redact } from "../redact.js";
import { RunError } from "../run-error.js";
import { CompositeHost } from "./composite-host.js";
import type { HostLine } from "./host-lines.js";
import type { CompositePlan } from "./plan-composite.js";

export interface CompositeWiring {
  onHostLine(line: HostLine): void;
  /** Destroys every secondary sandbox and closes the runner's stdin. */
  close(): Promise<void>;
}

export interface CompositeSetup {
  runId: string;
  plan: CompositePlan;
  primary: Sandbox;
  runner: SandboxProcess;
  providers: ProviderSelector | undefined;
  e2bApiKey: string | undefined;
  limits: SandboxLimits;
  emit(event: SandcasterEvent): void;
  redact: Redact;
  signal: AbortSignal;
  deadline: number;
  log: Logger;
}

/** The providers secondary sandboxes may use in this run. */
export function allowedProviders(plan: CompositePlan, primary: SandboxProviderName) {
  return plan.allowedProviders ?? [primary];
}

export function startComposite(setup: CompositeSetup): CompositeWiring {
  const stdin = setup.runner.stdin;
  if (!stdin) {
    throw new RunError(
      "SANDBOX_UNAVAILABLE",
      `the ${setup.primary.provider} sandbox cannot talk to the runner (no stdin): composite workflows are not available on it`,
    );
  }
  const host = new CompositeHost({
    runId: setup.runId,
    plan: setup.plan,
    primary: setup.primary,
    allowedProviders: allowedProviders(setup.plan, setup.primary.provider),
    providerFor: async (name) => {
      if (!setup.providers) throw new Error("no other sandbox providers on this server");
      return setup.providers.select(name, name === "e2b" ? { e2bApiKey: setup.e2bApiKey } : {});
    },
    limits: setup.limits,
    emit: setup.emit,
    redact: setup.redact,
    signal: setup.signal,
    deadline: setup.deadline,
    log: setup.log,
  });
  const writer = stdin.getWriter();
  const encoder = new TextEncoder();
  const answer = (line: object) => {
    // A runner that is gone cannot read answers: nothing to do about it.
    writer.write(encoder.encode(`${JSON.stringify(line)}\n`)).catch(() => {});
  };
  return {
    onHostLine(line) {
      if (line.kind === "invalid") {
        // The reason quotes what the runner sent: redacted like everything else it prints.
        const reason = setup.redact(line.reason);
        setup.emit({ type: "warning", code: "RUNNER_INVALID_EVENT", content: reason });
        if (line.id) answer({ id: line.id, ok: false, error: reason });
        return;
      }
      void host.handle(line.request).then(answer);
    },
    async close() {
      await host.destroyAll();
      await writer.close().catch(() => {});
    },
  };
}
