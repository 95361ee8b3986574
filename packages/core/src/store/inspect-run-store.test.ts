import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { afterEach, beforeEach, expect, it } from "vitest";
import { inspectRunStore } from "./inspect-run-store.js";
import { runStoreMigrations } from "./migrations.js";
import { createSqliteRunStore } from "./sqlite-run-store.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sandcaster-inspect-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const ALL = Object.keys(runStoreMigrations).sort();

it("reports a SQLite file that does not exist yet without creating it", async () => {
  const path = join(dir, "sub", "runs.db");
  expect(await inspectRunStore({ sqlitePath: path })).toEqual({
    kind: "sqlite",
    location: path,
    exists: false,
    pending: ALL,
  });
  expect(existsSync(join(dir, "sub"))).toBe(false);
});

it("lists the migrations an existing file has not had, and none once migrated", async () => {
  const path = join(dir, "runs.db");
  new SqliteDatabase(path).close();
  expect((await inspectRunStore({ sqlitePath: path })).pending).toEqual(ALL);
  const store = createSqliteRunStore({ path });
  await store.migrate();
  await store.close();
  expect(await inspectRunStore({ sqlitePath: path })).toMatchObject({ exists: true, pending: [] });
});

it("fails for an unreachable PostgreSQL and never shows its password", async () => {
  const url = "postgres://me:s3cret@127.0.0.1:1/db";
  const failure = await inspectRunStore({
    databaseUrl: url,
    sqlitePath: "unused",
    connectTimeoutMs: 1000,
  }).catch((e: Error) => e);
  expect(failure).toBeInstanceOf(Error);
  expect(String(failure)).not.toContain("s3cret");
});
