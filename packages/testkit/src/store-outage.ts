// A run store whose database can be taken down and brought back by the test: while down, every call
// that would reach the database rejects as PostgreSQL's does when an administrator ends the
// connection (57P01). Calls that never reach it (watching a run, closing) always pass through.

/** Methods that only register listeners or release the store: not database calls. */
const LOCAL_CALLS = new Set<PropertyKey>(["close", "watchRun", "subscribeRun"]);
/** Nested stores reached through the run store (sessions, agents): down with it. */
const NESTED = new Set<PropertyKey>(["sessions", "agents"]);

export interface StoreOutage {
  /** True while the database is down. */
  down(): boolean;
  /** Sees each database call that reaches the store (after the outage check). */
  onCall?(method: string, args: readonly unknown[]): void;
}

/** The error a database call gets while the store is down. */
export function outageError(): Error {
  return Object.assign(new Error("terminating connection due to administrator command"), {
    code: "57P01",
  });
}

/** Wraps `inner` (a run store, or any object of async methods) in the outage `outage` describes. */
export function withStoreOutage<T extends object>(inner: T, outage: StoreOutage): T {
  return new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (NESTED.has(key) && typeof value === "object" && value !== null)
        return withStoreOutage(value, outage);
      if (typeof value !== "function" || LOCAL_CALLS.has(key)) return value;
      return async (...args: unknown[]) => {
        if (outage.down()) throw outageError();
        outage.onCall?.(String(key), args);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
