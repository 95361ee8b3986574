// A RunStore over any kysely dialect; every statement goes through the query builder.
import type { SandcasterEvent } from "@sandcaster/protocol";
import { type Kysely, sql, type Updateable } from "kysely";
import { createAgentStore } from "./agents-store.js";
import { decodeRunCursor, encodeRunCursor } from "./cursor.js";
import { migrateToLatest } from "./migrations.js";
import {
  isRunCancelRequested,
  requestRunCancel,
  runningRunsWithCancelRequest,
} from "./run-cancel.js";
import {
  appendRunEventAtEnd,
  appendRunEvents,
  pruneRunEvents,
  readRunEvents,
  reserveRunEventIds,
} from "./run-events.js";
import { failStaleRuns, touchRuns } from "./run-liveness.js";
import { createPollingNotifier, type RunNotifier } from "./run-notifier.js";
import { epochMs, rowToRunRecord } from "./run-row.js";
import {
  type ListRunsQuery,
  type NewRun,
  type RunAdmissionFacts,
  RunAlreadyEndedError,
  type RunEventBatch,
  type RunOutcome,
  type RunPage,
  type RunStore,
  type StoredEvent,
} from "./run-store.js";
import type { Database, RunsTable } from "./schema.js";
import { createSessionStore } from "./session-store.js";
import { createWebhookStore } from "./webhook-store.js";

export interface KyselyRunStoreOptions {
  /** How watchRun/notifyRun reach watchers; default createPollingNotifier(). Closed by close(). */
  notifier?: RunNotifier | undefined;
  /** Runs last in close(): releases what `db` does not own. */
  onClose?: (() => Promise<void>) | undefined;
}

/** The store owns `db` and the notifier: close() destroys both. Call migrate() before use. */
export function createKyselyRunStore(
  db: Kysely<Database>,
  options: KyselyRunStoreOptions = {},
): RunStore {
  const notifier = options.notifier ?? createPollingNotifier();
  let closed = false;

  return {
    async migrate() {
      await migrateToLatest(db as Kysely<unknown>);
    },

    sessions: createSessionStore(db),
    webhooks: createWebhookStore(db),
    agents: createAgentStore(db),

    async createRun(run: NewRun) {
      await db
        .insertInto("runs")
        .values({
          id: run.id,
          status: "running",
          prompt: run.prompt,
          model: run.model ?? null,
          provider: run.provider ?? null,
          sandbox_provider: run.sandboxProvider ?? null,
          started_at: run.startedAt.getTime(),
          ended_at: null,
          duration_secs: null,
          num_turns: null,
          cost_usd: null,
          input_tokens: null,
          output_tokens: null,
          cache_read_tokens: null,
          cache_write_tokens: null,
          error_code: null,
          error_message: null,
          files_count: 0,
          metadata: run.metadata === undefined ? null : JSON.stringify(run.metadata),
          // Only when set: an instance still on an older schema (rolling upgrade) can record runs.
          ...(run.sessionId ? { session_id: run.sessionId } : {}),
          ...(run.kind ? { kind: run.kind } : {}),
          ...(run.traceId ? { trace_id: run.traceId } : {}),
        })
        .execute();
    },

    async finishRun(id: string, outcome: RunOutcome, terminal?: StoredEvent) {
      const changes: Updateable<RunsTable> = {
        status: outcome.status,
        ended_at: outcome.endedAt.getTime(),
        duration_secs: outcome.durationSecs,
        num_turns: outcome.numTurns ?? null,
        cost_usd: outcome.costUsd ?? null,
        input_tokens: outcome.usage?.inputTokens ?? null,
        output_tokens: outcome.usage?.outputTokens ?? null,
        cache_read_tokens: outcome.usage?.cacheReadTokens ?? null,
        cache_write_tokens: outcome.usage?.cacheWriteTokens ?? null,
        error_code: outcome.error?.code ?? null,
        error_message: outcome.error?.message ?? null,
        files_count: outcome.filesCount,
      };
      // Only when set: an instance still on an older schema (rolling upgrade) can end runs.
      if (outcome.error?.exitCode !== undefined) changes.exit_code = outcome.error.exitCode;
      if (outcome.model !== undefined) changes.model = outcome.model;
      if (outcome.provider !== undefined) changes.provider = outcome.provider;
      if (outcome.branching) {
        changes.branch_count = outcome.branching.count;
        changes.branch_winner_id = outcome.branching.winnerId ?? null;
        changes.evaluator_type = outcome.branching.evaluator;
      }
      // Only a running run: one already declared lost (its server was silent too long) keeps the
      // terminal event that was appended for it, and a status that matches it. The run's own
      // terminal event lands with the status or not at all: a log never holds two ends.
      const ended = await db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable("runs")
          .set(changes)
          .where("id", "=", id)
          .where("status", "=", "running")
          .executeTakeFirst();
        if (result.numUpdatedRows === 0n) return false;
        if (terminal) await appendRunEvents(trx, [{ runId: id, events: [terminal] }]);
        return true;
      });
      if (!ended) {
        const run = await db
          .selectFrom("runs")
          .select(["status", "error_code"])
          .where("id", "=", id)
          .executeTakeFirst();
        if (run) throw new RunAlreadyEndedError(id, run.status, run.error_code ?? undefined);
        throw new Error(`run store: cannot finish run ${JSON.stringify(id)}: no such run`);
      }
    },

    async recordSandbox(id: string, sandboxId: string) {
      await db.updateTable("runs").set({ sandbox_id: sandboxId }).where("id", "=", id).execute();
    },

    async recordAdmission(id: string, facts: RunAdmissionFacts) {
      const changes: Updateable<RunsTable> = {};
      if (facts.traceId !== undefined) changes.trace_id = facts.traceId;
      if (facts.sessionId !== undefined) changes.session_id = facts.sessionId;
      if (facts.sandboxProvider !== undefined) changes.sandbox_provider = facts.sandboxProvider;
      if (Object.keys(changes).length === 0) return;
      await db.updateTable("runs").set(changes).where("id", "=", id).execute();
    },

    async failRunIfRunning(
      id: string,
      error: { code: string; message: string },
      endedAt: Date,
      terminal?: SandcasterEvent,
    ) {
      const run = await db
        .selectFrom("runs")
        .select("started_at")
        .where("id", "=", id)
        .executeTakeFirst();
      if (!run) return false;
      // With its terminal event in the same transaction: a replay never sees it ended without it.
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable("runs")
          .set({
            status: "error",
            ended_at: endedAt.getTime(),
            duration_secs: Math.max(0, (endedAt.getTime() - Number(run.started_at)) / 1000),
            error_code: error.code,
            error_message: error.message,
          })
          .where("id", "=", id)
          .where("status", "=", "running")
          .executeTakeFirst();
        if (result.numUpdatedRows === 0n) return false;
        if (terminal) await appendRunEventAtEnd(trx, id, terminal);
        return true;
      });
    },

    async recordWebhookEvent(source: string, id: string, receivedAt: Date) {
      const result = await db
        .insertInto("webhook_events")
        .values({ id: `${source}:${id}`, source, received_at: receivedAt.getTime() })
        .onConflict((oc) => oc.column("id").doNothing())
        .executeTakeFirst();
      return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
    },

    async getRun(id: string) {
      const row = await db.selectFrom("runs").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : rowToRunRecord(row);
    },

    async listRuns(query: ListRunsQuery): Promise<RunPage> {
      if (!Number.isSafeInteger(query.limit) || query.limit < 1) {
        throw new RangeError(`run store: limit must be a positive integer, got ${query.limit}`);
      }
      const after = query.cursor === undefined ? undefined : decodeRunCursor(query.cursor);
      let select = db.selectFrom("runs").selectAll();
      if (query.status !== undefined) select = select.where("status", "=", query.status);
      if (query.sessionId !== undefined) select = select.where("session_id", "=", query.sessionId);
      if (query.kind === "query") select = select.where("kind", "is", null);
      else if (query.kind !== undefined) select = select.where("kind", "=", query.kind);
      // substr, not LIKE: an id's `_` is no wildcard, and SQLite's LIKE ignores case.
      if (query.idPrefix !== undefined)
        select = select.where(
          sql<string>`substr(id, 1, ${query.idPrefix.length})`,
          "=",
          query.idPrefix,
        );
      if (after !== undefined) {
        select = select.where((eb) =>
          eb.or([
            eb("started_at", "<", after.startedAtMs),
            eb.and([eb("started_at", "=", after.startedAtMs), eb("id", "<", after.id)]),
          ]),
        );
      }
      const rows = await select
        .orderBy("started_at", "desc")
        .orderBy("id", "desc")
        .limit(query.limit + 1)
        .execute();
      const pageRows = rows.slice(0, query.limit);
      const last = pageRows.at(-1);
      const page: RunPage = { runs: pageRows.map(rowToRunRecord) };
      if (rows.length > query.limit && last !== undefined) {
        page.nextCursor = encodeRunCursor({ startedAtMs: epochMs(last.started_at), id: last.id });
      }
      return page;
    },

    async appendEvents(runId: string, events: readonly StoredEvent[]) {
      await appendRunEvents(db, [{ runId, events }]);
    },

    reserveEventIds(runId: string, upTo: number) {
      return reserveRunEventIds(db, runId, upTo);
    },

    appendEventAtEnd(runId: string, event: SandcasterEvent) {
      return appendRunEventAtEnd(db, runId, event);
    },

    async appendEventBatches(batches: readonly RunEventBatch[]) {
      await appendRunEvents(db, batches);
    },

    readEvents(runId: string, afterSeq: number, limit: number) {
      return readRunEvents(db, runId, afterSeq, limit);
    },

    pruneEvents(before: Date) {
      return pruneRunEvents(db, before);
    },

    touchRuns(runIds: readonly string[], now: Date) {
      return touchRuns(db, runIds, now);
    },

    failStaleRuns(staleBefore: Date, error: { code: string; message: string }, now: Date) {
      return failStaleRuns(db, staleBefore, error, now);
    },

    requestCancel(runId: string) {
      return requestRunCancel(db, runId, new Date());
    },

    isCancelRequested(runId: string) {
      return isRunCancelRequested(db, runId);
    },

    runningWithCancelRequest() {
      return runningRunsWithCancelRequest(db);
    },

    watchRun(runId: string, signal: AbortSignal) {
      return notifier.watch(runId, signal);
    },

    subscribeRun: notifier.subscribe.bind(notifier),

    notifyRun(runId: string) {
      return notifier.notify(runId);
    },

    async notifyRuns(runIds: readonly string[]) {
      if (notifier.notifyMany) await notifier.notifyMany(runIds);
      else await Promise.all(runIds.map((runId) => notifier.notify(runId)));
    },

    async ping() {
      await db.selectNoFrom((eb) => eb.lit(1).as("one")).execute();
    },

    async close() {
      if (closed) return;
      closed = true;
      try {
        await notifier.close?.();
      } finally {
        try {
          await db.destroy();
        } finally {
          await options.onClose?.();
        }
      }
    },
  };
}
