// Builds one operation the same way for every route: request id, error responses, security.
import { headerRef, parameterRef, responseRef } from "./components.js";
import type { JsonSchema } from "./json-schema.js";

const ERROR_STATUS = {
  BadRequest: "400",
  Unauthorized: "401",
  NotFound: "404",
  Conflict: "409",
  Gone: "410",
  Misdirected: "421",
  PayloadTooLarge: "413",
  UnsupportedMediaType: "415",
  TooManyRequests: "429",
  ServiceUnavailable: "503",
} as const;
export type ErrorResponseName = keyof typeof ERROR_STATUS;

export interface OperationSpec {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** "public": no API key; "e2b": the webhook signature instead; default: the bearer key. */
  auth?: "bearer" | "public" | "e2b";
  parameters?: JsonSchema[];
  requestBody?: JsonSchema;
  responses: Record<string, JsonSchema>;
  errors?: ErrorResponseName[];
}

/** A success response: every response carries x-request-id. */
export function success(
  description: string,
  content: Record<string, JsonSchema>,
  headers: Record<string, JsonSchema> = {},
): JsonSchema {
  return {
    description,
    headers: { "x-request-id": headerRef("RequestId"), ...headers },
    content,
  };
}

export function operation(spec: OperationSpec): JsonSchema {
  const auth = spec.auth ?? "bearer";
  const errors = new Set<ErrorResponseName>(spec.errors ?? []);
  if (auth !== "public") errors.add("Unauthorized");
  const responses: Record<string, unknown> = { ...spec.responses };
  for (const name of errors) responses[ERROR_STATUS[name]] = responseRef(name);
  responses["500"] = responseRef("InternalError");
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: spec.tags,
    // The document's default is the bearer key; public routes and the webhook say otherwise.
    ...(auth === "public" ? { security: [] } : {}),
    ...(auth === "e2b" ? { security: [{ e2bSignature: [] }] } : {}),
    parameters: [parameterRef("RequestId"), ...(spec.parameters ?? [])],
    ...(spec.requestBody ? { requestBody: spec.requestBody } : {}),
    responses,
  };
}
