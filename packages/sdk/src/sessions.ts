// client.sessions: conversations whose workspace and history persist across queries. A turn is
// `client.query({ sessionId, prompt })`; one turn at a time per session (409 ConflictError).
import type {
  CreateSessionRequestInput,
  SessionDetail,
  SessionStatus,
  SessionView,
} from "@sandcaster/protocol";
import type { Transport } from "./transport.js";
import type { RequestOptions } from "./types.js";

const TAR = "application/x-tar";

export interface ListSessionsParams {
  limit?: number;
  status?: SessionStatus;
}

export class Sessions {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** Creates the session and its workspace (on docker/local: on the instance that answers). */
  create(
    request: CreateSessionRequestInput = {},
    options: RequestOptions = {},
  ): Promise<SessionView> {
    return this.#transport.json<SessionView>({
      method: "POST",
      path: "/sessions",
      body: request,
      headers: options.headers,
      signal: options.signal,
    });
  }

  /** The session with its turns' run records (`runs`, oldest first) and their totals. */
  get(sessionId: string, options: RequestOptions = {}): Promise<SessionDetail> {
    return this.#transport.json<SessionDetail>({
      method: "GET",
      path: sessionPath(sessionId),
      headers: options.headers,
      signal: options.signal,
    });
  }

  /** Newest first. */
  async list(
    params: ListSessionsParams = {},
    options: RequestOptions = {},
  ): Promise<SessionView[]> {
    // An array, as upstream clients read it.
    return this.#transport.json<SessionView[]>({
      method: "GET",
      path: "/sessions",
      query: { limit: params.limit, status: params.status },
      headers: options.headers,
      signal: options.signal,
    });
  }

  /** Deletes the session and frees its workspace. */
  async delete(sessionId: string, options: RequestOptions = {}): Promise<void> {
    await this.#transport.json<undefined>({
      method: "DELETE",
      path: sessionPath(sessionId),
      headers: options.headers,
      signal: options.signal,
    });
  }

  /** The workspace as a tar archive. */
  downloadWorkspace(sessionId: string, options: RequestOptions = {}): Promise<Uint8Array> {
    return this.#transport.bytes(
      {
        method: "GET",
        path: `${sessionPath(sessionId)}/workspace`,
        headers: options.headers,
        signal: options.signal,
      },
      TAR,
    );
  }

  /** Replaces the workspace's files with those of a tar archive (seed a session). */
  async uploadWorkspace(
    sessionId: string,
    tar: Uint8Array,
    options: RequestOptions = {},
  ): Promise<void> {
    await this.#transport.bytes({
      method: "PUT",
      path: `${sessionPath(sessionId)}/workspace`,
      raw: { bytes: tar, type: TAR },
      headers: options.headers,
      signal: options.signal,
    });
  }
}

function sessionPath(sessionId: string): string {
  return `/sessions/${encodeURIComponent(sessionId)}`;
}
