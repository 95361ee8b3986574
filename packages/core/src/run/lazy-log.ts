// A child logger that is made when it is first used. Most runs never log, and a pino child (its
// prototype, bindings and serialized chindings, ~0.35 KB; a grandchild ~0.65 KB) would otherwise be
// held for as long as the run's stream is open: 10,000 open streams hold 10,000 of each.
import type { Bindings, Logger } from "pino";

/** Read from the parent while the child is not made: level checks, and calls that would not log. */
function unmade(parent: Logger, key: string): boolean {
  if (key === "level" || key === "levels" || key === "isLevelEnabled") return true;
  return key in parent.levels.values && !parent.isLevelEnabled(key);
}

const PARENT = Symbol("parent");
const BINDINGS = Symbol("bindings");
const CHILD = Symbol("child");

/** What one lazy child holds; the proxy's handler is shared by all of them. */
interface Lazy {
  [PARENT]: Logger;
  [BINDINGS]: Bindings;
  [CHILD]?: Logger;
}

function made(lazy: Lazy): Logger {
  lazy[CHILD] ??= lazy[PARENT].child(lazy[BINDINGS]);
  return lazy[CHILD];
}

/** One handler for every lazy child: a run's holds its state in the target, not in closures. */
const handler: ProxyHandler<Lazy> = {
  get(lazy, key) {
    const parent = lazy[PARENT];
    // Until it is made, the child's level is its parent's: asked of the parent (which may be lazy too).
    const target =
      lazy[CHILD] ?? (typeof key === "string" && unmade(parent, key) ? parent : made(lazy));
    const value: unknown = Reflect.get(target, key, target);
    return typeof value === "function" ? value.bind(target) : value;
  },
  set(lazy, key, value: unknown) {
    return Reflect.set(made(lazy), key, value);
  },
  has(lazy, key) {
    return key in (lazy[CHILD] ?? lazy[PARENT]);
  },
};

/**
 * `parent.child(bindings)`, made on first use (a log call at an enabled level, `.child`, any other
 * property). Level checks and calls at a level the parent does not log go to the parent.
 */
export function lazyChild(parent: Logger, bindings: Bindings): Logger {
  const lazy: Lazy = { [PARENT]: parent, [BINDINGS]: bindings };
  return new Proxy(lazy, handler) as unknown as Logger;
}
