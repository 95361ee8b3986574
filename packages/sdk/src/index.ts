// Public surface of @sandcaster/sdk.
export type {
  BranchingRequest,
  ErrorEvent,
  PipelineRequestInput,
  QueryRequestInput,
  ResultEvent,
  RunRecord,
  RunStatus,
  SandcasterEvent,
  SandcasterEventType,
  StdoutEvent,
  StepEndEvent,
  StepStartEvent,
  SubAgent,
} from "@sandcaster/protocol";
export type * from "./agents-types.js";
export { type ClientOptions, createClient, type SandcasterClient } from "./client.js";
export {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  type ErrorDetail,
  GoneError,
  InternalServerError,
  MisdirectedRequestError,
  NotFoundError,
  RateLimitError,
  RunFailedError,
  SandcasterError,
} from "./errors.js";
export {
  type EventOf,
  eventSource,
  isKnownEvent,
  type RunEvent,
  type UnknownEvent,
} from "./events.js";
export { Paginator } from "./paginate.js";
export type { PipelineRunOptions, Pipelines } from "./pipelines.js";
export { RunStream } from "./run-stream.js";
export type { Runs } from "./runs.js";
export type { ListSessionsParams, Sessions } from "./sessions.js";
export type { FetchLike } from "./transport.js";
export type * from "./types.js";
export {
  type VerifyWebhookOptions,
  verifyWebhook,
  type WebhookHeaders,
  type WebhookPayload,
  WebhookVerificationError,
} from "./verify-webhook.js";
