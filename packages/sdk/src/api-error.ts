// Turns a non-2xx response (`{error, code, details?}`) into the APIError subclass for its status.
import {
  APIError,
  type APIErrorInit,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  type ErrorDetail,
  GoneError,
  InternalServerError,
  MisdirectedRequestError,
  NotFoundError,
  RateLimitError,
} from "./errors.js";

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function detailsOf(body: Fields): ErrorDetail[] {
  if (!Array.isArray(body.details)) return [];
  return body.details.filter(
    (d): d is ErrorDetail =>
      isObject(d) && typeof d.field === "string" && typeof d.message === "string",
  );
}

/** Retry-After is delta-seconds or an HTTP date; either becomes whole seconds from now. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** Reads the body (JSON when it is JSON) and picks the class by status. */
export async function errorFromResponse(response: Response): Promise<APIError> {
  const text = await response.text().catch(() => "");
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (a proxy's HTML page, say): keep the text
  }
  const fields = isObject(body) ? body : {};
  const code = typeof fields.code === "string" ? fields.code : undefined;
  const reason =
    typeof fields.error === "string" ? fields.error : response.statusText || "request failed";
  const status = response.status;
  const message = `${status}${code ? ` ${code}` : ""}: ${reason}`;
  const init: APIErrorInit = {
    status,
    code,
    body,
    headers: response.headers,
    requestId: response.headers.get("x-request-id") ?? undefined,
  };
  const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
  if (status === 400) return new BadRequestError(message, { ...init, details: detailsOf(fields) });
  if (status === 401) return new AuthenticationError(message, init);
  if (status === 404) return new NotFoundError(message, init);
  if (status === 409) return new ConflictError(message, init);
  if (status === 410) return new GoneError(message, init);
  if (status === 421) {
    const ownerUrl = typeof fields.ownerUrl === "string" ? fields.ownerUrl : undefined;
    return new MisdirectedRequestError(message, { ...init, ownerUrl });
  }
  if (status === 429) return new RateLimitError(message, { ...init, retryAfter });
  if (status >= 500) return new InternalServerError(message, { ...init, retryAfter });
  return new APIError(message, init);
}
