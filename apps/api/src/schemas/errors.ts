// The JSON body of every error response (4xx/5xx before a stream starts), as HttpError.body() writes it.
import { z } from "zod";

export const ErrorDetailSchema = z.object({
  /** Dotted path of the offending field or parameter; "" for the whole body. */
  field: z.string(),
  message: z.string(),
});
export type ErrorDetail = z.infer<typeof ErrorDetailSchema>;

export const ErrorBodySchema = z.object({
  /** A sentence for people. */
  error: z.string(),
  /** Stable, for code to branch on: INVALID_REQUEST, UNAUTHORIZED, NOT_FOUND, RUN_SLOTS_FULL, … */
  code: z.string(),
  details: z.array(ErrorDetailSchema).optional(),
  /** 421 SESSION_ELSEWHERE: the advertised URL of the instance that has the session's workspace. */
  ownerUrl: z.string().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
