// The one HTTP error type: routes throw it, app.onError turns it into a JSON response.
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ErrorBody, ErrorDetail } from "./schemas/errors.js";

export type { ErrorDetail };

export class HttpError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: string;
  readonly details: ErrorDetail[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    status: ContentfulStatusCode,
    code: string,
    message: string,
    options: {
      details?: ErrorDetail[];
      headers?: Record<string, string>;
      /** SESSION_ELSEWHERE: the owning instance's URL. */
      ownerUrl?: string | undefined;
    } = {},
  ) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
    this.ownerUrl = options.ownerUrl;
  }

  readonly ownerUrl: string | undefined;

  body(): ErrorBody {
    return {
      error: this.message,
      code: this.code,
      ...(this.details ? { details: this.details } : {}),
      ...(this.ownerUrl ? { ownerUrl: this.ownerUrl } : {}),
    };
  }
}
