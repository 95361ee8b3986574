// The polling notifier and its wake-up hub: immediate local wake-ups, ticks, coalescing and ends.
import { describe, expect, it } from "vitest";
import { createPollingNotifier } from "../../src/store/run-notifier.js";

const LONG = 60_000;

/** Whether `promise` settles within `ms`, and with what. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | "pending"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"pending">((resolve) => {
    timer = setTimeout(() => resolve("pending"), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `check` holds (looked at every 5 ms); the test's own timeout bounds it. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("createPollingNotifier", () => {
  it("wakes a watcher of the notified run at once, and no other", async () => {
    const notifier = createPollingNotifier({ intervalMs: LONG });
    const controller = new AbortController();
    const a = notifier.watch("run-a", controller.signal)[Symbol.asyncIterator]();
    const b = notifier.watch("run-b", controller.signal)[Symbol.asyncIterator]();
    const nextA = a.next();
    const nextB = b.next();
    await notifier.notify("run-a");
    expect(await within(nextA, 100)).toStrictEqual({ done: false, value: undefined });
    expect(await within(nextB, 50)).toBe("pending");
    controller.abort();
    expect(await nextB).toStrictEqual({ done: true, value: undefined });
    await notifier.close?.();
  });

  it("subscribes before iteration starts and coalesces wake-ups nobody waited for", async () => {
    const notifier = createPollingNotifier({ intervalMs: LONG });
    const controller = new AbortController();
    const watch = notifier.watch("run-a", controller.signal);
    await notifier.notify("run-a");
    await notifier.notify("run-a");
    await notifier.notify("run-a");
    const iterator = watch[Symbol.asyncIterator]();
    expect(await within(iterator.next(), 50)).toStrictEqual({ done: false, value: undefined });
    const second = iterator.next();
    expect(await within(second, 50)).toBe("pending");
    await notifier.notify("run-a");
    expect(await within(second, 50)).toStrictEqual({ done: false, value: undefined });
    controller.abort();
    await notifier.close?.();
  });

  it("gives each of several waiting next() calls its own wake-up", async () => {
    const notifier = createPollingNotifier({ intervalMs: LONG });
    const iterator = notifier.watch("run-a", new AbortController().signal)[Symbol.asyncIterator]();
    const first = iterator.next();
    const second = iterator.next();
    await notifier.notify("run-a");
    expect(await within(first, 50)).toStrictEqual({ done: false, value: undefined });
    expect(await within(second, 50)).toBe("pending");
    await notifier.notify("run-a");
    expect(await within(second, 50)).toStrictEqual({ done: false, value: undefined });
    await notifier.close?.();
  });

  it("wakes every watcher on each tick, so other processes' changes are seen", async () => {
    const notifier = createPollingNotifier({ intervalMs: 20 });
    const controller = new AbortController();
    let wakes = 0;
    const done = (async () => {
      for await (const _ of notifier.watch("run-a", controller.signal)) wakes++;
    })();
    await new Promise((resolve) => setTimeout(resolve, 250));
    controller.abort();
    await done;
    expect(wakes).toBeGreaterThanOrEqual(3);
    await notifier.close?.();
  });

  it("with changedElsewhere, wakes on a tick only when the database changed elsewhere", async () => {
    let changed = false;
    let probes = 0;
    const notifier = createPollingNotifier({
      intervalMs: 5,
      changedElsewhere: () => {
        probes++;
        const answer = changed;
        changed = false;
        return answer;
      },
    });
    let wakes = 0;
    const unsubscribe = notifier.subscribe("run-a", () => wakes++);
    // The first probe (at subscribe) is the baseline; then ten ticks that find nothing new.
    await until(() => probes >= 11);
    expect(wakes).toBe(0);
    changed = true;
    await until(() => wakes === 1);
    const seen = probes;
    await until(() => probes >= seen + 10);
    expect(wakes).toBe(1);
    // A local change still wakes at once, as always.
    await notifier.notify("run-a");
    expect(wakes).toBe(2);
    unsubscribe();
    await notifier.close?.();
  });

  it("wakes everybody when changedElsewhere cannot tell", async () => {
    let probes = 0;
    const notifier = createPollingNotifier({
      intervalMs: 5,
      changedElsewhere: () => {
        probes++;
        throw new Error("the database is closed");
      },
    });
    let wakes = 0;
    const unsubscribe = notifier.subscribe("run-a", () => wakes++);
    await until(() => wakes >= 3);
    expect(probes).toBeGreaterThanOrEqual(4);
    unsubscribe();
    await notifier.close?.();
  });

  it("ends a watch on abort, on break, and on close; watches after close end at once", async () => {
    const notifier = createPollingNotifier({ intervalMs: 10 });
    const controller = new AbortController();
    const aborted = notifier.watch("run-a", controller.signal)[Symbol.asyncIterator]();
    const pending = aborted.next();
    controller.abort();
    expect(await pending).toStrictEqual({ done: true, value: undefined });
    expect(await aborted.next()).toStrictEqual({ done: true, value: undefined });

    let loops = 0;
    for await (const _ of notifier.watch("run-a", new AbortController().signal)) {
      loops++;
      break;
    }
    expect(loops).toBe(1);

    const open = notifier.watch("run-a", new AbortController().signal)[Symbol.asyncIterator]();
    await notifier.close?.();
    expect(await within(open.next(), 100)).toStrictEqual({ done: true, value: undefined });
    const late = notifier.watch("run-a", new AbortController().signal)[Symbol.asyncIterator]();
    expect(await within(late.next(), 100)).toStrictEqual({ done: true, value: undefined });
  });
});
