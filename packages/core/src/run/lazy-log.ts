// A child logger that is made when it is first used. Most runs never log, and a pino child (its
// prototype, bindings and serialized chindings, ~0.35 KB; a grandchild ~0.65 KB) would otherwise be
// held for as long as the run's stream is open: 10,000 open streams hold 10,000 of each.
import type { Bindings, Logger } from "pino";

/** `parent.child(bindings)`, made on the first property read (a log call, `.child`, `.level`). */
export function lazyChild(parent: Logger, bindings: Bindings): Logger {
  let child: Logger | undefined;
  const made = () => {
    child ??= parent.child(bindings);
    return child;
  };
  return new Proxy(parent, {
    get(_parent, key) {
      const target = made();
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
    set(_parent, key, value: unknown) {
      return Reflect.set(made(), key, value);
    },
  });
}
