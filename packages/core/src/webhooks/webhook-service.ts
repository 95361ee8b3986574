// Run-completion webhooks for one server instance: records a run's delivery when the run ends,
// tries it at once in the background, retries with growing waits, and sweeps the store for
// deliveries that are due (its own retries, and ones an instance that died was holding). Which
// instance sends is decided by the store's claim, so each delivery goes out from one at a time.
import type { QueryRequest, WebhookConfig } from "@sandcaster/protocol";
import type { Logger } from "pino";
import { canonicalSet, serverAddresses } from "../egress/address-check.js";
import { type Resolve, systemResolve } from "../egress/dial.js";
import { PlanError } from "../errors/plan-error.js";
import type { RunOutcome, RunStore } from "../store/run-store.js";
import type { ClaimedDelivery } from "../store/webhook-store.js";
import { sendOnce } from "./send-once.js";
import { parseWebhookSecret, signWebhook } from "./sign.js";
import { checkWebhookRequest, webhookEventOf, webhookTarget } from "./target.js";

/** What a run needs of the webhooks (RunServices.webhooks). */
export interface RunWebhooks {
  /** At request time: throws PlanError (400 naming `webhook…`) for a webhook that cannot be sent. */
  check(request: QueryRequest): void;
  /**
   * Once the run's record is final: records its delivery (when it has a webhook subscribed to this
   * ending) and returns; the delivery itself happens in the background.
   */
  runSettled(run: {
    runId: string;
    request: QueryRequest;
    status: RunOutcome["status"];
  }): Promise<void>;
}

export interface WebhookService extends RunWebhooks {
  /** One pass over due deliveries; resolves when their tries are recorded. */
  sweep(): Promise<void>;
  /** Stops sweeping and retry timers, and waits for tries in flight. */
  close(): Promise<void>;
}

export interface WebhookServiceOptions {
  store: RunStore;
  config: WebhookConfig;
  /** The secret's text (`whsec_<base64>`), read from env[config.secretEnv]; none: no webhooks. */
  secret: string | undefined;
  /** Names this instance in leases and the attempts it records. */
  instanceId: string;
  logger: Logger;
  resolve?: Resolve | undefined;
  now?: (() => Date) | undefined;
  /** false: no periodic sweep (tests drive sweep() themselves). Default true. */
  sweep?: boolean | undefined;
}

const SWEEP_BATCH = 20;

/** Throws at start for a secret that is set but malformed, or a default URL with no secret. */
export function createWebhookService(options: WebhookServiceOptions): WebhookService {
  const { store, config, logger, instanceId } = options;
  const now = options.now ?? (() => new Date());
  const parsed = options.secret ? parseWebhookSecret(options.secret) : undefined;
  if (typeof parsed === "string") throw new Error(`${config.secretEnv}: ${parsed}`);
  const secret: Buffer | undefined = parsed;
  if (config.url && !secret) {
    throw new Error(`sandcaster.json webhook.url is set but ${config.secretEnv} is not`);
  }
  const timeoutMs = config.timeoutSecs * 1000;
  // Long enough for a resolve and a request, each bounded by timeoutMs, with room to record.
  const leaseMs = 2 * timeoutMs + 30_000;
  const send = {
    resolve: options.resolve ?? systemResolve,
    allowAddresses: canonicalSet(config.allowAddresses),
    ownAddresses: serverAddresses,
    timeoutMs,
  };
  const inFlight = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  function retryDelayMs(attempt: number): number {
    const delays = config.retryDelaysSecs;
    return (delays[Math.min(attempt - 1, delays.length - 1)] ?? 0) * 1000;
  }

  async function deliver(claimed: ClaimedDelivery, key: Buffer): Promise<void> {
    const started = now();
    const headers = signWebhook(
      key,
      claimed.id,
      Math.floor(started.getTime() / 1000),
      claimed.body,
    );
    const outcome = await sendOnce(new URL(claimed.url), headers, claimed.body, send);
    const durationMs = Date.now() - started.getTime();
    const last = !outcome.retryable || claimed.attempt >= config.maxAttempts;
    const retryAt = new Date(now().getTime() + retryDelayMs(claimed.attempt));
    const state = outcome.ok ? "delivered" : last ? "failed" : "pending";
    await store.webhooks.recordAttempt(
      claimed,
      instanceId,
      { at: started, status: outcome.status, error: outcome.error, durationMs },
      { state, retryAt: state === "pending" ? retryAt : undefined },
    );
    const log = { runId: claimed.runId, webhookId: claimed.id, attempt: claimed.attempt };
    if (outcome.ok) logger.info({ ...log, status: outcome.status }, "webhook delivered");
    else logger.warn({ ...log, state, reason: outcome.error }, "webhook try failed");
    if (state === "pending") later(claimed.id, retryAt.getTime() - now().getTime());
  }

  async function attempt(id: string): Promise<void> {
    if (closed || !secret) return;
    const claimed = await store.webhooks.claim(id, instanceId, now(), leaseMs);
    if (claimed) await deliver(claimed, secret);
  }

  function track(work: Promise<void>): void {
    const guarded = work.catch((error: unknown) => {
      logger.error({ err: error }, "webhook delivery failed in the server");
    });
    inFlight.add(guarded);
    void guarded.finally(() => inFlight.delete(guarded));
  }

  /** This instance's own retry; another instance's sweep may take it first (the claim decides). */
  function later(id: string, ms: number): void {
    if (closed) return;
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        track(attempt(id));
      },
      Math.max(0, ms),
    );
    timer.unref();
    timers.add(timer);
  }

  async function sweep(): Promise<void> {
    if (closed || !secret) return;
    const ids = await store.webhooks.due(now(), SWEEP_BATCH);
    await Promise.all(ids.map((id) => attempt(id)));
  }

  const sweeping =
    options.sweep === false
      ? undefined
      : setInterval(() => track(sweep()), config.sweepIntervalSecs * 1000);
  sweeping?.unref();

  return {
    check(request) {
      checkWebhookRequest(request, config, secret !== undefined);
    },

    async runSettled({ runId, request, status }) {
      const target = secret ? webhookTarget(request, config) : undefined;
      const type = webhookEventOf(status);
      if (!target?.events.includes(type)) return;
      const record = await store.getRun(runId);
      if (!record) return;
      const id = `msg_${runId}`;
      const at = now();
      const body = JSON.stringify({ type, timestamp: at.toISOString(), data: record });
      if (await store.webhooks.enqueue({ id, runId, url: target.url, type, body, createdAt: at })) {
        track(attempt(id));
      }
    },

    sweep,

    async close() {
      closed = true;
      if (sweeping) clearInterval(sweeping);
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all([...inFlight]);
    },
  };
}

/** The check startRun makes: a webhook on a server without the service is refused, not dropped. */
export function checkRunWebhook(request: QueryRequest, webhooks: RunWebhooks | undefined): void {
  if (webhooks) webhooks.check(request);
  else if (request.webhook) throw new PlanError("webhook", "this server sends no webhooks");
}
