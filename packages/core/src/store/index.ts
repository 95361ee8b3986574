// The run history store's public surface.
export { type CreateRunStoreOptions, createRunStore, isPostgresUrl } from "./create-run-store.js";
export {
  type InspectRunStoreOptions,
  inspectRunStore,
  type RunStoreStatus,
} from "./inspect-run-store.js";
export { createKyselyRunStore, type KyselyRunStoreOptions } from "./kysely-run-store.js";
export { migrateToLatest, runStoreMigrationProvider, runStoreMigrations } from "./migrations.js";
export { createPgNotifier, type PgNotifierOptions } from "./pg-notifier.js";
export { createPostgresRunStore, type PostgresRunStoreOptions } from "./postgres-run-store.js";
export {
  createPollingNotifier,
  type PollingNotifierOptions,
  type RunNotifier,
  type RunStoreLogger,
} from "./run-notifier.js";
export {
  InvalidCursorError,
  type ListRunsQuery,
  type NewRun,
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
  type AttemptResult,
  type ClaimedDelivery,
  createWebhookStore,
  type NewWebhookDelivery,
  type WebhookStore,
} from "./webhook-store.js";
