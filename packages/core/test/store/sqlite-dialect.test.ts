// The SQLite store's dialect: its one connection goes to one query or transaction at a time, first
// come first served, and a crowd of waiting queries costs each of them a constant amount of work.
import { createHook } from "node:async_hooks";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { type Dialect, type Generated, Kysely, SqliteDialect, sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FifoSqliteDialect } from "../../src/store/sqlite-dialect.js";

interface Tables {
  log: { id: Generated<number>; what: string };
}

/** Promises made while `work` runs (every await, reaction and async call makes some). */
async function promisesMadeBy(work: () => Promise<unknown>): Promise<number> {
  let made = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === "PROMISE") made++;
    },
  });
  hook.enable();
  try {
    await work();
  } finally {
    hook.disable();
  }
  return made;
}

describe("FifoSqliteDialect", () => {
  let dir: string;
  const opened: Kysely<Tables>[] = [];

  async function open(dialect: (sqlite: SqliteDatabase.Database) => Dialect) {
    const sqlite = new SqliteDatabase(join(dir, `db-${opened.length}.sqlite`));
    const db = new Kysely<Tables>({ dialect: dialect(sqlite) });
    opened.push(db);
    await sql`create table log (id integer primary key autoincrement, what text not null)`.execute(
      db,
    );
    return db;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "sandcaster-sqlite-dialect-"));
  });

  afterEach(async () => {
    for (const db of opened.splice(0)) await db.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it("runs queries in the order they were asked, and a transaction alone on the connection", async () => {
    const db = await open((sqlite) => new FifoSqliteDialect(sqlite));
    const inTransaction = db.transaction().execute(async (trx) => {
      await trx.insertInto("log").values({ what: "trx 1" }).execute();
      // Others asked meanwhile: none may write between the transaction's two statements.
      await new Promise((resolve) => setTimeout(resolve, 20));
      await trx.insertInto("log").values({ what: "trx 2" }).execute();
    });
    const inserts = Array.from({ length: 200 }, (_, i) =>
      db
        .insertInto("log")
        .values({ what: `q ${i}` })
        .execute(),
    );
    await Promise.all([inTransaction, ...inserts]);
    const rows = await db.selectFrom("log").select("what").orderBy("id").execute();
    expect(rows.map((row) => row.what)).toStrictEqual([
      "trx 1",
      "trx 2",
      ...Array.from({ length: 200 }, (_, i) => `q ${i}`),
    ]);
  });

  it("reads, writes, rolls back and reports changed rows as kysely's dialect does", async () => {
    const db = await open((sqlite) => new FifoSqliteDialect(sqlite));
    const inserted = await db.insertInto("log").values({ what: "a" }).executeTakeFirstOrThrow();
    expect(inserted.insertId).toBe(1n);
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto("log").values({ what: "rolled back" }).execute();
        throw new Error("abandon");
      }),
    ).rejects.toThrow("abandon");
    const updated = await db
      .updateTable("log")
      .set({ what: "b" })
      .where("id", "=", 1)
      .executeTakeFirstOrThrow();
    expect(updated.numUpdatedRows).toBe(1n);
    expect(await db.selectFrom("log").selectAll().execute()).toStrictEqual([{ id: 1, what: "b" }]);
  });

  // kysely's SqliteDriver wakes every waiter on each release and each waits again: W queries
  // waiting at once cost ~W²/2 wake-ups (the baseline shows it), ours a few promises each.
  it("costs each of 2,000 queries waiting at once a constant number of promises", async () => {
    const count = 2000;
    const crowd = (db: Kysely<Tables>) => () =>
      Promise.all(
        Array.from({ length: count }, (_, i) =>
          db.selectFrom("log").select("id").where("id", "=", i).execute(),
        ),
      );
    const ours = await promisesMadeBy(crowd(await open((sqlite) => new FifoSqliteDialect(sqlite))));
    const kysely = await promisesMadeBy(
      crowd(await open((sqlite) => new SqliteDialect({ database: sqlite }))),
    );
    expect(ours / count).toBeLessThan(60);
    // Baseline: the quadratic cost this dialect exists to avoid.
    expect(kysely / count).toBeGreaterThan(500);
  });
});
