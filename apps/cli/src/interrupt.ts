// Ctrl-C once: stop cleanly (the caller's `first`); Ctrl-C again: exit 130 at once.
import { EXIT } from "./exit-codes.js";

export interface Interrupt {
  /** True once Ctrl-C was pressed. */
  readonly pressed: boolean;
  dispose(): void;
}

/** `quitting` runs right before the exit at the second Ctrl-C (to take a spinner off the screen). */
export function onInterrupt(
  first: () => void,
  say: (text: string) => void,
  quitting: () => void = () => undefined,
): Interrupt {
  let pressed = false;
  const handler = () => {
    if (pressed) {
      say("stopped without waiting");
      quitting();
      process.exit(EXIT.interrupted);
    }
    pressed = true;
    say("cancelling… (Ctrl-C again to quit at once)");
    first();
  };
  process.on("SIGINT", handler);
  return {
    get pressed() {
      return pressed;
    },
    dispose: () => process.off("SIGINT", handler),
  };
}

/** Ctrl-C once calls `stop`; again, exits 130 at once. For commands with nothing to clean up. */
export function onInterruptOnce(stop: () => void): Interrupt {
  return onInterrupt(stop, () => undefined);
}
