// The run history store's public surface.
export { createKyselyRunStore } from "./kysely-run-store.js";
export { migrateToLatest, runStoreMigrationProvider, runStoreMigrations } from "./migrations.js";
export {
  InvalidCursorError,
  type ListRunsQuery,
  type NewRun,
  type RunOutcome,
  type RunPage,
  type RunStore,
} from "./run-store.js";
export type { Database, EpochMsColumn, RunsTable } from "./schema.js";
export { createSqliteRunStore, type SqliteRunStoreOptions } from "./sqlite-run-store.js";
