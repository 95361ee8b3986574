// Sessions as the server sees them: create (with a workspace from the provider), list, delete,
// begin a turn (claim, owner check; the turn itself is session-turn.ts), download
// and upload the workspace, and expire idle sessions (freeing their workspaces).
import { randomUUID } from "node:crypto";
import type {
  CreateSessionRequest,
  SandboxProviderName,
  SessionRecord,
  SessionStatus,
  SessionWorkspace,
} from "@sandcaster/protocol";
import type { Logger } from "pino";
import type { SandboxProvider } from "../sandbox/sandbox.js";
import type { ProviderSelector } from "../sandbox/select-provider.js";
import type { RunStore } from "../store/run-store.js";
import { publicSession, type StoredSession } from "../store/session-store.js";
import { releasedAtEnd } from "./released-at-end.js";
import { SessionError } from "./session-error.js";
import { openTurn, type SessionTurn } from "./session-turn.js";

/** Providers whose workspaces live on one host (the instance that created them). */
const HOST_BOUND: ReadonlySet<SandboxProviderName> = new Set(["docker", "local"]);

export interface SessionHost {
  /** This instance; docker/local sessions created here belong to it. */
  instanceId: string;
  /** Where other instances send a client for this instance's sessions (421). */
  advertisedUrl: string | undefined;
}

export type { SessionTurn };

export interface SessionService {
  create(request: CreateSessionRequest, signal: AbortSignal): Promise<SessionRecord>;
  get(id: string): Promise<SessionRecord>;
  list(query: { limit: number; status?: SessionStatus | undefined }): Promise<SessionRecord[]>;
  delete(id: string, signal: AbortSignal): Promise<void>;
  beginTurn(id: string, runId: string, prompt: string): Promise<SessionTurn>;
  /** The workspace as a tar stream; the session stays held (no turn starts) until it ends. */
  exportWorkspace(id: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>>;
  importWorkspace(
    id: string,
    archive: ReadableStream<Uint8Array>,
    signal: AbortSignal,
  ): Promise<void>;
  /** Expires idle sessions this instance may free; returns how many. */
  sweepExpired(now: Date, signal: AbortSignal): Promise<number>;
}

export interface SessionServiceDeps {
  store: RunStore;
  providers: ProviderSelector;
  host: SessionHost;
  logger: Logger;
}

export function createSessionService(deps: SessionServiceDeps): SessionService {
  const { store, host, logger } = deps;

  async function provider(name: SandboxProviderName): Promise<SandboxProvider> {
    const chosen = await deps.providers.select(name);
    if (!chosen.createWorkspace || !chosen.deleteWorkspace) {
      throw new SessionError(
        "SESSION_UNSUPPORTED",
        `the ${chosen.name} sandbox provider cannot keep a session's workspace`,
      );
    }
    return chosen;
  }

  /** The session, live and on this instance where that matters; else the right 4xx. */
  async function usable(id: string): Promise<StoredSession> {
    const session = await store.sessions.get(id);
    if (!session || session.status === "deleted") {
      throw new SessionError("SESSION_NOT_FOUND", `no session with id ${id}`);
    }
    if (session.status === "expired" || Date.parse(session.expiresAt) <= Date.now()) {
      throw new SessionError("SESSION_EXPIRED", `session ${id} expired after being idle`);
    }
    if (HOST_BOUND.has(session.sandboxProvider) && session.ownerInstance !== host.instanceId) {
      throw new SessionError(
        "SESSION_ELSEWHERE",
        `session ${id} keeps its ${session.sandboxProvider} workspace on another instance${session.ownerUrl ? `: ${session.ownerUrl}` : ""}`,
        session.ownerUrl,
      );
    }
    return session;
  }

  /** Holds the session as a turn does (so no turn runs meanwhile); the returned function lets it go. */
  async function hold(id: string): Promise<() => Promise<void>> {
    const holder = `op_${randomUUID()}`;
    const claim = await store.sessions.claim(id, holder, new Date());
    if (claim === "busy") throw new SessionError("SESSION_BUSY", `session ${id} is running a turn`);
    if (claim !== "claimed") throw new SessionError("SESSION_EXPIRED", `session ${id} expired`);
    return () => store.sessions.release(id, holder, { turnDone: false }, new Date());
  }

  async function holding<T>(id: string, work: () => Promise<T>): Promise<T> {
    const release = await hold(id);
    try {
      return await work();
    } finally {
      await release();
    }
  }

  function workspaceOf(session: StoredSession): SessionWorkspace {
    if (!session.workspaceRef) {
      throw new SessionError("SESSION_EXPIRED", `session ${session.id} has no workspace any more`);
    }
    return { provider: session.sandboxProvider, ref: session.workspaceRef };
  }

  async function free(session: StoredSession, signal: AbortSignal): Promise<void> {
    if (!session.workspaceRef) return;
    const chosen = await deps.providers.select(session.sandboxProvider);
    await chosen.deleteWorkspace?.(workspaceOf(session), signal);
  }

  return {
    async create(request, signal) {
      const name = request.sandboxProvider;
      const chosen = await provider(name ?? (await deps.providers.select(undefined)).name);
      const id = `ses_${randomUUID()}`;
      const workspace = await chosen.createWorkspace?.(id, signal);
      if (!workspace) throw new Error("unreachable: createWorkspace checked above");
      const bound = HOST_BOUND.has(chosen.name);
      try {
        await store.sessions.create({
          id,
          name: request.name,
          sandboxProvider: chosen.name,
          idleTimeoutSecs: request.idleTimeoutSecs,
          maxHistoryTurns: request.maxHistoryTurns,
          createdAt: new Date(),
          ownerInstance: bound ? host.instanceId : undefined,
          ownerUrl: bound ? host.advertisedUrl : undefined,
          workspaceRef: workspace.ref,
        });
      } catch (error) {
        await chosen.deleteWorkspace?.(workspace, AbortSignal.timeout(60_000)).catch(() => {});
        throw error;
      }
      logger.info({ sessionId: id, provider: chosen.name }, "session created");
      return this.get(id);
    },

    async get(id) {
      const session = await store.sessions.get(id);
      if (!session || session.status === "deleted") {
        throw new SessionError("SESSION_NOT_FOUND", `no session with id ${id}`);
      }
      return publicSession(session);
    },

    list: (query) => store.sessions.list(query),

    async delete(id, signal) {
      const session = await store.sessions.get(id);
      if (!session || session.status === "deleted") {
        throw new SessionError("SESSION_NOT_FOUND", `no session with id ${id}`);
      }
      if (HOST_BOUND.has(session.sandboxProvider) && session.ownerInstance !== host.instanceId) {
        await usable(id); // throws SESSION_ELSEWHERE (or expired/not found)
      }
      if (!(await store.sessions.end(id, "deleted", new Date()))) {
        const current = await store.sessions.get(id);
        if (current?.status !== "active") {
          throw new SessionError("SESSION_NOT_FOUND", `no session with id ${id}`);
        }
        throw new SessionError("SESSION_BUSY", `session ${id} is running a turn; cancel it first`);
      }
      await free(session, signal);
      logger.info({ sessionId: id }, "session deleted");
    },

    async beginTurn(id, runId, prompt) {
      const session = await usable(id);
      const chosen = await provider(session.sandboxProvider);
      const workspace = workspaceOf(session);
      const claim = await store.sessions.claim(id, runId, new Date());
      if (claim === "busy") {
        throw new SessionError("SESSION_BUSY", `session ${id} is running another turn`);
      }
      if (claim === "expired") throw new SessionError("SESSION_EXPIRED", `session ${id} expired`);
      if (claim !== "claimed")
        throw new SessionError("SESSION_NOT_FOUND", `no session with id ${id}`);
      return openTurn({ store, logger, session, provider: chosen, workspace, runId, prompt });
    },

    async exportWorkspace(id, signal) {
      const session = await usable(id);
      const chosen = await provider(session.sandboxProvider);
      if (!chosen.exportWorkspace) {
        throw new SessionError("SESSION_UNSUPPORTED", "this provider cannot export a workspace");
      }
      const exportWorkspace = chosen.exportWorkspace.bind(chosen);
      const release = await hold(id);
      try {
        const archive = await exportWorkspace(workspaceOf(session), signal);
        return releasedAtEnd(archive, () =>
          release().catch((error: unknown) =>
            logger.warn({ err: error, sessionId: id }, "release failed"),
          ),
        );
      } catch (error) {
        await release();
        throw error;
      }
    },

    async importWorkspace(id, archive, signal) {
      const session = await usable(id);
      const chosen = await provider(session.sandboxProvider);
      if (!chosen.importWorkspace) {
        throw new SessionError("SESSION_UNSUPPORTED", "this provider cannot import a workspace");
      }
      const importWorkspace = chosen.importWorkspace.bind(chosen);
      await holding(id, () => importWorkspace(workspaceOf(session), archive, signal));
    },

    async sweepExpired(now, signal) {
      let freed = 0;
      for (const session of await store.sessions.expired(now)) {
        const mine =
          !HOST_BOUND.has(session.sandboxProvider) || session.ownerInstance === host.instanceId;
        if (!mine) continue;
        if (!(await store.sessions.end(session.id, "expired", now))) continue;
        try {
          await free(session, signal);
          freed++;
          logger.info({ sessionId: session.id }, "session expired; workspace freed");
        } catch (error) {
          logger.warn({ err: error, sessionId: session.id }, "freeing an expired session failed");
        }
      }
      return freed;
    },
  };
}
