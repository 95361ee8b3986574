// POST /query: validates, plans and picks a sandbox before answering, then streams the run as SSE.
import { randomUUID } from "node:crypto";
import {
  type ActiveRuns,
  executeRun,
  PlanError,
  type ProviderSelector,
  planRun,
  RunError,
  type RunServices,
  type RunSlots,
  RunSlotsFullError,
  type SessionService,
  type SessionTurn,
} from "@sandcaster/core";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { HttpError } from "../http-error.js";
import type { Metrics } from "../metrics/index.js";
import { EventQueue, sseFrame } from "./event-queue.js";
import { readQueryRequest } from "./read-query-request.js";
import { beginSessionTurn } from "./session-turn.js";

export interface QueryRouteDeps {
  services: RunServices;
  providers: ProviderSelector;
  activeRuns: ActiveRuns;
  slots: RunSlots;
  metrics: Metrics;
  env: Readonly<Record<string, string | undefined>>;
  heartbeatMs: number;
  isDraining: () => boolean;
  newRunId?: () => string;
  /** Present when the server keeps sessions (POST /sessions; `sessionId` on a query). */
  sessions?: SessionService | undefined;
}

export function queryRoute(deps: QueryRouteDeps): Hono {
  const app = new Hono();
  app.post("/query", async (c) => {
    if (deps.isDraining()) {
      throw new HttpError(
        503,
        "SHUTTING_DOWN",
        "this instance is shutting down; retry on another",
        {
          headers: { "Retry-After": "1" },
        },
      );
    }
    const request = await readQueryRequest(c);
    let plan: ReturnType<typeof planRun>;
    let provider: Awaited<ReturnType<ProviderSelector["select"]>>;
    try {
      plan = planRun(request, deps.services.config, deps.env);
      provider = await deps.providers.select(request.sandboxProvider, {
        e2bApiKey: request.apiKeys?.e2b,
      });
    } catch (error) {
      if (error instanceof PlanError) {
        throw new HttpError(error.status, error.code, `${error.field}: ${error.message}`, {
          details: [{ field: error.field, message: error.message }],
        });
      }
      throw error;
    }

    // Checked again: planning took time, and a drain may have begun meanwhile.
    if (deps.isDraining()) {
      throw new HttpError(
        503,
        "SHUTTING_DOWN",
        "this instance is shutting down; retry on another",
        {
          headers: { "Retry-After": "1" },
        },
      );
    }
    const updateGauges = () => {
      deps.metrics.setActiveRuns(deps.slots.active);
      deps.metrics.setQueuedRuns(deps.slots.queued);
    };
    let release: () => void;
    try {
      const pending = deps.slots.acquire(c.req.raw.signal);
      deps.metrics.setQueuedRuns(deps.slots.queued);
      release = await pending;
      updateGauges();
    } catch (error) {
      updateGauges();
      if (error instanceof RunSlotsFullError) {
        throw new HttpError(
          429,
          error.code,
          `${error.message}; retry in ${error.retryAfterSecs}s`,
          {
            headers: { "Retry-After": String(error.retryAfterSecs) },
          },
        );
      }
      throw new HttpError(400, "CLIENT_CLOSED", "the client left while the run was queued");
    }
    const runId = deps.newRunId?.() ?? `run_${randomUUID()}`;
    let turn: SessionTurn | undefined;
    if (request.sessionId !== undefined) {
      try {
        turn = await beginSessionTurn(deps.sessions, request, runId);
      } catch (error) {
        // (a claimed turn was already released by beginSessionTurn when it refused)
        release();
        updateGauges();
        throw error;
      }
      provider = turn.provider;
    }
    c.header("X-Run-Id", runId);
    c.header("X-Accel-Buffering", "no");
    c.header("Cache-Control", "no-cache");
    const controller = new AbortController();
    const queue = new EventQueue(() =>
      controller.abort(
        new RunError(
          "CLIENT_TOO_SLOW",
          "the client read the stream too slowly; the run was cancelled",
        ),
      ),
    );
    const done = executeRun(
      {
        runId,
        plan,
        provider,
        providers: deps.providers,
        session: turn?.runSession,
        emit: (event, seq) => {
          turn?.record(event);
          queue.push(event, seq);
        },
        signal: controller.signal,
        onSandboxReady: (seconds) =>
          deps.metrics.sandboxAcquired({ sandbox: provider.name, seconds }),
      },
      deps.services,
    ).finally(async () => {
      // Normally done by executeRun before its last event; this covers a run that threw.
      await turn?.finish([]);
      release();
      updateGauges();
      queue.close();
    });
    const labels = {
      provider: plan.model.ok ? plan.model.provider : undefined,
      sandbox: provider.name,
    };
    deps.metrics.runStarted(labels);
    void done.then(
      (outcome) =>
        deps.metrics.runFinished({
          ...labels,
          status: outcome.status,
          durationSecs: outcome.durationSecs,
          usage: outcome.usage,
          costUsd: outcome.costUsd,
        }),
      () => undefined,
    );
    deps.activeRuns.track(runId, controller, done);

    return streamSSE(c, async (stream) => {
      const leave = deps.metrics.sseClientConnected();
      // "continue": the run goes on without this client; GET /runs/:id/events re-attaches.
      stream.onAbort(() => {
        if (request.onDisconnect !== "continue") controller.abort("the client disconnected");
      });
      const heartbeat = setInterval(() => {
        void stream.write(": heartbeat\n\n");
      }, deps.heartbeatMs);
      try {
        // Everything queued goes out in one write: a fast runner is not slowed to one syscall per event.
        for await (const batch of queue.batches()) {
          if (stream.aborted) break;
          await stream.write(batch.map(sseFrame).join(""));
        }
      } finally {
        clearInterval(heartbeat);
        leave();
        await done.catch(() => undefined);
      }
    });
  });
  return app;
}
