// The run history store's public surface.

export {
  type AgentBuildEnd,
  type AgentStore,
  createAgentStore,
  type NewAgentVersion,
  type StoredAgent,
  type StoredAgentSecret,
  type StoredAgentVersion,
} from "./agents-store.js";
export { type CreateRunStoreOptions, createRunStore, isPostgresUrl } from "./create-run-store.js";
export {
  createDurableRunStore,
  type DurableRunStore,
  type DurableRunStoreOptions,
  isDurableRunStore,
} from "./durable-run-store.js";
export {
  type InspectRunStoreOptions,
  inspectRunStore,
  type RunStoreStatus,
} from "./inspect-run-store.js";
export { createKyselyRunStore, type KyselyRunStoreOptions } from "./kysely-run-store.js";
export { migrateToLatest, runStoreMigrationProvider, runStoreMigrations } from "./migrations.js";
export type { StallListener } from "./outbox-stalls.js";
export { createPgNotifier, type PgNotifierOptions } from "./pg-notifier.js";
export { createPgPool, type PgPoolOptions } from "./pg-pool.js";
export { createPostgresRunStore, type PostgresRunStoreOptions } from "./postgres-run-store.js";
export { EVENT_ID_BLOCK } from "./run-events.js";
export {
  createPollingNotifier,
  type PollingNotifierOptions,
  type RunNotifier,
  type RunStoreLogger,
} from "./run-notifier.js";
export type { OutboxStats, RunOutboxOptions } from "./run-outbox.js";
export {
  InvalidCursorError,
  type ListRunsQuery,
  type NewRun,
  type RunAdmissionFacts,
  RunAlreadyEndedError,
  type RunBranching,
  type RunEventBatch,
  type RunOutcome,
  type RunPage,
  type RunStore,
  type StoredEvent,
} from "./run-store.js";
export type { Database, EpochMsColumn, RunEventsTable, RunsTable } from "./schema.js";
export {
  type ClaimResult,
  createSessionStore,
  type NewSession,
  publicSession,
  type SessionStore,
  type StoredSession,
} from "./session-store.js";
export { createSqliteRunStore, type SqliteRunStoreOptions } from "./sqlite-run-store.js";
export {
  isStoreUnavailable,
  StoreUnavailableError,
  storeError,
} from "./store-unavailable-error.js";
export {
  type AttemptResult,
  type ClaimedDelivery,
  createWebhookStore,
  type NewWebhookDelivery,
  type WebhookStore,
} from "./webhook-store.js";
