// What a run is given by whoever starts it (a server, the in-process CLI): nothing is fetched from
// module-level singletons inside a run, so tests and embedders can replace any part.
import type { SandcasterConfig } from "@sandcaster/protocol";
import type { Logger } from "pino";
import type { ProviderSelector } from "../sandbox/select-provider.js";
import type { SessionService } from "../session/session-service.js";
import type { RunStore } from "../store/run-store.js";
import type { TemplateService } from "../templates/template-service.js";
import type { RunTracing } from "../tracing/run-tracer.js";
import type { RunWebhooks } from "../webhooks/webhook-service.js";
import type { ActiveRuns } from "./active-runs.js";
import { type CancelWatch, sharedCancelWatch } from "./cancel-watch.js";
import { type EventWriter, sharedEventWriter } from "./event-writer.js";
import type { RunExtension } from "./run-extension.js";
import { loadRunnerBundle } from "./runner-bundle.js";

/** The least a run needs; what a server or the CLI builds once. */
export interface RunServices {
  store: RunStore;
  config: SandcasterConfig;
  logger: Logger;
  /** Run-completion webhooks; without it a request with `webhook` is refused (400). */
  webhooks?: RunWebhooks | undefined;
}

/** Everything startRun uses; the optional parts default to this process's shared ones. */
export interface StartRunServices extends RunServices {
  providers: ProviderSelector;
  /** Where the server's model keys come from (process.env on a server). */
  env: Readonly<Record<string, string | undefined>>;
  /** Sessions; without it a request with `sessionId` is refused (400, field sessionId). */
  sessions?: SessionService | undefined;
  /** Runs of this process, for shutdown and POST /runs/:id/cancel on this instance. */
  activeRuns?: ActiveRuns | undefined;
  /** Default: one writer per store in this process (batched event inserts). */
  eventWriter?: EventWriter | undefined;
  /** Default: one watch per store in this process (cancel requests from other instances). */
  cancelWatch?: CancelWatch | undefined;
  /** Default: the built runner bundle of @sandcaster/runner, read once. */
  loadRunnerBundle?: (() => Promise<Uint8Array>) | undefined;
  /** Opened for every run, in order (see run-extension.ts). */
  extensions?: readonly RunExtension[] | undefined;
  newRunId?: (() => string) | undefined;
  /** Traces of runs (startTracing().runs); without it runs are not traced. */
  tracing?: RunTracing | undefined;
  /** Templates a request's `template` names; without it such a request is refused (400). */
  templates?: TemplateService | undefined;
}

export interface ResolvedRunServices extends RunServices {
  providers: ProviderSelector;
  eventWriter: EventWriter;
  cancelWatch: CancelWatch;
  loadRunnerBundle: () => Promise<Uint8Array>;
}

export function resolveRunServices(services: StartRunServices): ResolvedRunServices {
  const { store, config, logger, providers } = services;
  return {
    store,
    config,
    logger,
    providers,
    webhooks: services.webhooks,
    eventWriter: services.eventWriter ?? sharedEventWriter(store, logger),
    cancelWatch: services.cancelWatch ?? sharedCancelWatch(store, logger),
    loadRunnerBundle: services.loadRunnerBundle ?? loadRunnerBundle,
  };
}
