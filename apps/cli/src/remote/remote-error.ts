// A server that refused or could not be reached, with the HTTP status (0: no answer) and its code.

export class RemoteError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string | undefined,
  ) {
    super(message);
    this.name = "RemoteError";
  }

  /** Reads the server's JSON error body ({error, code}) when there is one. */
  static async fromResponse(response: Response, what: string): Promise<RemoteError> {
    const text = await response.text().catch(() => "");
    let message = text.trim().slice(0, 300) || response.statusText;
    let code: string | undefined;
    try {
      const body = JSON.parse(text) as { error?: unknown; code?: unknown };
      if (typeof body.error === "string") message = body.error;
      if (typeof body.code === "string") code = body.code;
    } catch {}
    const hint = response.status === 401 ? " (set SANDCASTER_API_KEY to the server's key)" : "";
    return new RemoteError(
      `${what}: the server answered ${response.status}: ${message}${hint}`,
      response.status,
      code,
    );
  }

  static unreachable(url: string, error: unknown): RemoteError {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    return new RemoteError(`cannot reach ${url}: ${why}`, 0);
  }
}
