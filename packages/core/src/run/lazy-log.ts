// A child logger that is made when it is first used. Most runs never log, and a pino child (its
// prototype, bindings and serialized chindings, ~0.35 KB; a grandchild ~0.65 KB) would otherwise be
// held for as long as the run's stream is open: 10,000 open streams hold 10,000 of each.
import type { Bindings, Logger } from "pino";

/** Read from the parent while the child is not made: level checks, and calls that would not log. */
function unmade(parent: Logger, key: string): boolean {
  if (key === "level" || key === "levels" || key === "isLevelEnabled") return true;
  return key in parent.levels.values && !parent.isLevelEnabled(key);
}

/**
 * `parent.child(bindings)`, made on first use (a log call at an enabled level, `.child`, any other
 * property). Level checks and calls at a level the parent does not log go to the parent.
 */
export function lazyChild(parent: Logger, bindings: Bindings): Logger {
  let child: Logger | undefined;
  const made = () => {
    child ??= parent.child(bindings);
    return child;
  };
  return new Proxy(parent, {
    get(_parent, key) {
      // Until it is made, the child's level is its parent's: asked of the parent (which may be lazy too).
      const target = child ?? (typeof key === "string" && unmade(parent, key) ? parent : made());
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
    set(_parent, key, value: unknown) {
      return Reflect.set(made(), key, value);
    },
  });
}
