// POST /runs/:id/stream-token's answer: a token for `GET /runs/:id/events?token=` (browser EventSource).

export interface StreamTokenResponse {
  runId: string;
  /** Pass as `?token=` on GET /runs/{runId}/events; it opens nothing else. */
  token: string;
  /** ISO time after which the token is refused (401); reconnecting clients ask for a new one. */
  expiresAt: string;
}
