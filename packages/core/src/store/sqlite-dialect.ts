// kysely's SQLite dialect with a driver of our own: its one better-sqlite3 connection is handed to
// one query or transaction at a time, in the order they asked. kysely's own SqliteDriver (0.28)
// makes every waiter wake on each release and wait again (`while (locked) await lock`), so W
// queries waiting cost W² wake-ups: 10,000 runs opening at once spent more on that than on their
// own queries (177 MB of promises while opening, the most of any site). Hand-written because it
// is a few lines against kysely's public Driver interface, and no maintained dialect does it.
import type { Database as SqliteDatabase } from "better-sqlite3";
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from "kysely";

class SqliteConnection implements DatabaseConnection {
  constructor(private readonly db: SqliteDatabase) {}

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const statement = this.db.prepare(compiled.sql);
    const parameters = compiled.parameters as unknown[];
    if (statement.reader) {
      return Promise.resolve({ rows: statement.all(parameters) as R[] });
    }
    const { changes, lastInsertRowid } = statement.run(parameters);
    return Promise.resolve({
      numAffectedRows: BigInt(changes),
      insertId: BigInt(lastInsertRowid),
      rows: [],
    });
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("the SQLite store does not stream queries");
  }
}

/** The one connection, to one holder at a time, first come first served. */
class SingleConnectionDriver implements Driver {
  private readonly connection: SqliteConnection;
  private busy = false;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly db: SqliteDatabase) {
    this.connection = new SqliteConnection(db);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.busy) {
      // Handed over by releaseConnection, still busy: nobody can take it in between.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.busy = true;
    }
    return this.connection;
  }

  async releaseConnection(): Promise<void> {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy = false;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  async destroy(): Promise<void> {
    this.db.close();
  }
}

/** For `new Kysely({dialect})` over an open better-sqlite3 database (closed by kysely's destroy()). */
export class FifoSqliteDialect implements Dialect {
  constructor(private readonly db: SqliteDatabase) {}

  createDriver(): Driver {
    return new SingleConnectionDriver(this.db);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}
