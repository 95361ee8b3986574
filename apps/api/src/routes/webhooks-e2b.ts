// POST /webhooks/e2b: signed E2B lifecycle events; a sandbox killed under a running run marks it lost.
import { type ActiveRuns, RunError, type RunStore } from "@sandcaster/core";
import { Hono } from "hono";
import type { Logger } from "pino";
import { HttpError } from "../http-error.js";
import { type E2BWebhookAck, E2BWebhookPayloadSchema } from "../schemas/e2b-webhook.js";
import { verifyE2BSignature } from "./e2b-signature.js";

export interface E2BWebhookDeps {
  /** SANDCASTER_E2B_WEBHOOK_SECRET; without it the route is off (404), never unsigned. */
  secret: string | undefined;
  store: RunStore;
  activeRuns: ActiveRuns;
  logger: Logger;
}

export function e2bWebhookRoute(deps: E2BWebhookDeps): Hono {
  const app = new Hono();
  app.post("/webhooks/e2b", async (c) => {
    if (!deps.secret)
      throw new HttpError(404, "NOT_FOUND", "the E2B webhook is not enabled on this server");
    const version = c.req.header("e2b-signature-version");
    const raw = new Uint8Array(await c.req.arrayBuffer());
    if (version !== "v1" || !verifyE2BSignature(deps.secret, raw, c.req.header("e2b-signature"))) {
      deps.logger.warn({ version }, "e2b webhook refused: bad or missing signature");
      throw new HttpError(
        401,
        "INVALID_SIGNATURE",
        "missing or invalid e2b-signature (version v1 expected)",
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(raw));
    } catch {
      throw new HttpError(400, "INVALID_JSON", "the webhook body is not valid JSON");
    }
    const parsed = E2BWebhookPayloadSchema.safeParse(json);
    if (!parsed.success) {
      const details = parsed.error.issues.map((i) => ({
        field: i.path.join("."),
        message: i.message,
      }));
      throw new HttpError(400, "INVALID_REQUEST", "not an E2B lifecycle event", { details });
    }
    const event = parsed.data;
    if (!(await deps.store.recordWebhookEvent("e2b", event.id, new Date()))) {
      return c.json({ status: "duplicate" } satisfies E2BWebhookAck);
    }
    const metadata =
      event.eventData?.sandbox_metadata ??
      event.eventData?.sandboxMetadata ??
      event.sandboxMetadata;
    const runId = metadata?.sandcasterRunId;
    const log = deps.logger.child({ runId, sandboxId: event.sandboxId, eventId: event.id });
    if (event.type === "sandbox.lifecycle.killed" && runId) {
      // The payload is signed by E2B, but its metadata is whatever the sandbox's creator set: any
      // sandbox of the team could name any run. Only an e2b run's own sandbox can end it.
      const run = await deps.store.getRun(runId);
      if (run?.sandboxProvider !== "e2b" || run.sandboxId !== event.sandboxId) {
        log.warn(
          { sandboxProvider: run?.sandboxProvider, runSandboxId: run?.sandboxId },
          "e2b killed event ignored: it names no e2b run of this sandbox",
        );
        return c.json({ status: "ok", runMarkedLost: false } satisfies E2BWebhookAck);
      }
      const message = `E2B reports that sandbox ${event.sandboxId ?? "(unknown)"} was killed`;
      // Running here: the run ends itself with SANDBOX_LOST, storing that end with its status
      // (marking it here first would leave a status with no end event for the run to show).
      if (deps.activeRuns.abort(runId, new RunError("SANDBOX_LOST", message))) {
        log.warn({ stopped: true }, "sandbox lost under a running run");
        return c.json({ status: "ok", runMarkedLost: true } satisfies E2BWebhookAck);
      }
      // Not running here: whoever replays the run must still see how it ended, so the event is
      // stored with the status, in one transaction.
      const terminal = { type: "error", code: "SANDBOX_LOST", content: message } as const;
      const marked = await deps.store.failRunIfRunning(
        runId,
        { code: "SANDBOX_LOST", message },
        new Date(),
        terminal,
      );
      if (marked) {
        log.warn({ stopped: false }, "sandbox lost under a running run");
        await deps.store.notifyRun(runId).catch(() => undefined);
      }
      return c.json({ status: "ok", runMarkedLost: marked } satisfies E2BWebhookAck);
    }
    log.info({ type: event.type }, "e2b lifecycle event");
    return c.json({ status: "ok" } satisfies E2BWebhookAck);
  });
  return app;
}
