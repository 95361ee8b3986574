// Envelopes of the JSON routes besides the run record itself: a page of runs, a cancel answer,
// the liveness body, and the body of every error answered before a stream starts. The server
// answers these, the SDK and the CLI read them.
import * as z from "zod";
import { RunStatusSchema } from "./enums.js";
import { RunRecordSchema } from "./run-record.js";

/** GET /runs answers this: one page of runs, newest first (the next page is in the Link header). */
export const RunListSchema = z.array(RunRecordSchema);

/** One page as clients hand it on: GET /runs's array, and the cursor its Link header names. */
export const RunPageSchema = z.object({
  runs: z.array(RunRecordSchema),
  /** Present when more runs follow: pass it back as `cursor`. */
  nextCursor: z.string().optional(),
});
export type RunPage = z.infer<typeof RunPageSchema>;

/**
 * GET /runs answers a JSON array of run records (what clients written for the upstream project
 * expect); the next page is named by a `Link: <…?cursor=…>; rel="next"` header. This reads the
 * cursor back out of that header (hand-written: one header, one relation, no library needed).
 */
export function nextCursorFromLink(link: string | null | undefined): string | undefined {
  for (const part of (link ?? "").split(",")) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (!match?.[1] || !/(^|;)\s*rel="?next"?\s*(;|$)/.test(match[2] ?? "")) continue;
    return new URL(match[1], "http://x").searchParams.get("cursor") ?? undefined;
  }
  return undefined;
}

/** POST /runs/:id/cancel. */
export const CancelRunResponseSchema = z.object({
  id: z.string(),
  /** "cancelling" (202) while the run stops; the final status (200) once it has ended. */
  status: z.union([z.literal("cancelling"), RunStatusSchema]),
});
export type CancelRunResponse = z.infer<typeof CancelRunResponseSchema>;

/** GET /health (liveness). */
export const HealthResponseSchema = z.object({ status: z.literal("ok"), version: z.string() });
export type HealthResponse = z.infer<typeof HealthResponseSchema>;

export const ErrorDetailSchema = z.object({
  /** Dotted path of the offending field or parameter; "" for the whole body. */
  field: z.string(),
  message: z.string(),
});
export type ErrorDetail = z.infer<typeof ErrorDetailSchema>;

/** The JSON body of every error answer (4xx/5xx before a stream starts). */
export const ErrorBodySchema = z.object({
  /** A sentence for people. */
  error: z.string(),
  /** Stable, for code to branch on (one of ERROR_CODES): INVALID_REQUEST, NOT_FOUND, … */
  code: z.string(),
  details: z.array(ErrorDetailSchema).optional(),
  /** 421 SESSION_ELSEWHERE: the advertised URL of the instance that has the session's workspace. */
  ownerUrl: z.string().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
