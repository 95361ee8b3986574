// What an upstream-style session's later turns inherit from its first request (model, provider,
// keys, tools, limits): upstream messages carry only `prompt` and `files`. Kept in this
// instance's memory only (never stored, so keys given in a request never reach the database);
// a turn answered by another instance, or after a restart, uses the server's defaults.
import type { QueryRequest } from "@sandcaster/protocol";

export type KeptSettings = Omit<QueryRequest, "prompt" | "files" | "sessionId">;

/** Sessions remembered at once; the oldest is forgotten first. */
const MAX_SESSIONS = 10_000;

export class TurnSettings {
  readonly #bySession = new Map<string, KeptSettings>();

  keep(sessionId: string, settings: KeptSettings): void {
    this.#bySession.set(sessionId, settings);
    if (this.#bySession.size > MAX_SESSIONS) {
      const oldest = this.#bySession.keys().next();
      if (!oldest.done) this.#bySession.delete(oldest.value);
    }
  }

  of(sessionId: string): KeptSettings {
    return this.#bySession.get(sessionId) ?? {};
  }

  forget(sessionId: string): void {
    this.#bySession.delete(sessionId);
  }
}
