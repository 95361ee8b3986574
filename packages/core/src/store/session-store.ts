// The sessions table: create, read, claim one turn at a time, record a finished turn, expire.
import type {
  HistoryTurn,
  SandboxProviderName,
  SessionRecord,
  SessionStatus,
} from "@sandcaster/protocol";
import { type ExpressionBuilder, type Kysely, type Selectable, sql } from "kysely";
import { epochMs } from "./run-row.js";
import type { Database, SessionsTable } from "./schema.js";

export interface NewSession {
  id: string;
  name?: string | undefined;
  sandboxProvider: SandboxProviderName;
  idleTimeoutSecs: number;
  maxHistoryTurns: number;
  createdAt: Date;
  ownerInstance?: string | undefined;
  ownerUrl?: string | undefined;
  workspaceRef: string;
}

/** A session as the server needs it: the public record plus where its workspace is. */
export interface StoredSession extends SessionRecord {
  ownerInstance: string | undefined;
  workspaceRef: string | undefined;
  history: HistoryTurn[];
}

export type ClaimResult = "claimed" | "busy" | "missing" | "expired" | "deleted";

export interface SessionStore {
  create(session: NewSession): Promise<void>;
  get(id: string): Promise<StoredSession | undefined>;
  /** Newest first; without history. */
  list(query: { limit: number; status?: SessionStatus | undefined }): Promise<SessionRecord[]>;
  /**
   * Takes the session for one run, atomically: at most one run holds it. A holder whose run is no
   * longer running (its server died) does not count.
   */
  claim(id: string, runId: string, now: Date): Promise<ClaimResult>;
  /** Ends the run's hold: the turn (when any) is appended, the idle clock restarts. */
  release(
    id: string,
    runId: string,
    update: { history?: HistoryTurn[] | undefined; turnDone: boolean },
    now: Date,
  ): Promise<void>;
  /**
   * active → expired | deleted, atomically and only while no run holds it (and, for "expired",
   * only once its expiry has passed at `now`); false when that did not hold.
   */
  end(id: string, status: "expired" | "deleted", now: Date): Promise<boolean>;
  /** Active sessions past their expiry and not held by a running run. */
  expired(now: Date): Promise<StoredSession[]>;
}

type SessionRow = Selectable<SessionsTable>;

/**
 * No run holds the session: none, or the holder's run ended without releasing it (its server
 * died). A run not recorded yet (being started) still holds it.
 */
function notHeld(eb: ExpressionBuilder<Database, "sessions">) {
  return eb.or([
    eb("active_run_id", "is", null),
    eb("active_run_id", "in", eb.selectFrom("runs").select("id").where("status", "!=", "running")),
  ]);
}

function rowToStored(row: SessionRow): StoredSession {
  const record: StoredSession = {
    id: row.id,
    status: row.status as SessionStatus,
    sandboxProvider: row.sandbox_provider as SandboxProviderName,
    idleTimeoutSecs: Number(row.idle_timeout_secs),
    maxHistoryTurns: Number(row.max_history_turns),
    createdAt: new Date(epochMs(row.created_at)).toISOString(),
    lastActiveAt: new Date(epochMs(row.last_active_at)).toISOString(),
    expiresAt: new Date(epochMs(row.expires_at)).toISOString(),
    turns: Number(row.turns),
    ownerInstance: row.owner_instance ?? undefined,
    workspaceRef: row.workspace_ref ?? undefined,
    history: JSON.parse(row.history) as HistoryTurn[],
  };
  if (row.name !== null) record.name = row.name;
  if (row.active_run_id !== null) record.activeRunId = row.active_run_id;
  if (row.owner_url !== null) record.ownerUrl = row.owner_url;
  return record;
}

/** The public record: no workspace ref, owner instance or history. */
export function publicSession(session: StoredSession): SessionRecord {
  const { ownerInstance: _o, workspaceRef: _w, history: _h, ...record } = session;
  return record;
}

export function createSessionStore(db: Kysely<Database>): SessionStore {
  const get = async (id: string) => {
    const row = await db.selectFrom("sessions").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? rowToStored(row) : undefined;
  };
  return {
    async create(session) {
      const created = session.createdAt.getTime();
      await db
        .insertInto("sessions")
        .values({
          id: session.id,
          name: session.name ?? null,
          status: "active",
          sandbox_provider: session.sandboxProvider,
          idle_timeout_secs: session.idleTimeoutSecs,
          max_history_turns: session.maxHistoryTurns,
          created_at: created,
          last_active_at: created,
          expires_at: created + session.idleTimeoutSecs * 1000,
          active_run_id: null,
          owner_instance: session.ownerInstance ?? null,
          owner_url: session.ownerUrl ?? null,
          workspace_ref: session.workspaceRef,
        })
        .execute();
    },

    get,

    async list(query) {
      let select = db.selectFrom("sessions").selectAll();
      if (query.status) select = select.where("status", "=", query.status);
      const rows = await select
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .limit(query.limit)
        .execute();
      return rows.map((row) => publicSession(rowToStored(row)));
    },

    async claim(id, runId, now) {
      const result = await db
        .updateTable("sessions")
        .set({ active_run_id: runId })
        .where("id", "=", id)
        .where("status", "=", "active")
        .where("expires_at", ">", now.getTime())
        .where(notHeld)
        .executeTakeFirst();
      if (result.numUpdatedRows > 0n) return "claimed";
      const session = await get(id);
      if (!session) return "missing";
      if (session.status === "deleted") return "deleted";
      if (session.status === "expired" || epochMs(Date.parse(session.expiresAt)) <= now.getTime())
        return "expired";
      return "busy";
    },

    async release(id, runId, update, now) {
      const session = await get(id);
      if (!session || session.activeRunId !== runId) return;
      await db
        .updateTable("sessions")
        .set({
          active_run_id: null,
          last_active_at: now.getTime(),
          expires_at: now.getTime() + session.idleTimeoutSecs * 1000,
          ...(update.turnDone ? { turns: sql<number>`turns + 1` } : {}),
          ...(update.history ? { history: JSON.stringify(update.history) } : {}),
        })
        .where("id", "=", id)
        .where("active_run_id", "=", runId)
        .execute();
    },

    async end(id, status, now) {
      let update = db
        .updateTable("sessions")
        .set({ status })
        .where("id", "=", id)
        .where("status", "=", "active")
        .where(notHeld);
      if (status === "expired") update = update.where("expires_at", "<=", now.getTime());
      const result = await update.executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async expired(now) {
      const rows = await db
        .selectFrom("sessions")
        .selectAll()
        .where("status", "=", "active")
        .where("expires_at", "<=", now.getTime())
        .where(notHeld)
        .execute();
      return rows.map(rowToStored);
    },
  };
}
