import { describe, expect, it } from "vitest";
import { RunSlots, RunSlotsFullError } from "./run-slots.js";

describe("RunSlots", () => {
  it("runs up to the limit, queues the next in order, refuses beyond the queue", async () => {
    const slots = new RunSlots(2, 1, 10_000);
    const a = await slots.acquire();
    await slots.acquire();
    const queued = slots.acquire();
    expect(slots.queued).toBe(1);
    await expect(slots.acquire()).rejects.toBeInstanceOf(RunSlotsFullError);
    a();
    a(); // idempotent: a second release frees nothing more
    const c = await queued;
    expect(slots.active).toBe(2);
    expect(slots.queued).toBe(0);
    c();
    expect(slots.active).toBe(1);
  });

  it("refuses a queued run that waits too long, with a retry hint", async () => {
    const slots = new RunSlots(1, 5, 50);
    await slots.acquire();
    const error = await slots.acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunSlotsFullError);
    expect((error as RunSlotsFullError).retryAfterSecs).toBeGreaterThanOrEqual(1);
    expect(slots.queued).toBe(0);
  });

  it("drops a queued run whose client left", async () => {
    const slots = new RunSlots(1, 5, 10_000);
    await slots.acquire();
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow("left");
    expect(slots.queued).toBe(0);
  });

  it("makes a lazy leave signal only for a run that has to wait, and drops it when it aborts", async () => {
    const slots = new RunSlots(1, 5, 10_000);
    let made = 0;
    const controller = new AbortController();
    const leave = () => {
      made++;
      return controller.signal;
    };
    await slots.acquire(leave);
    expect(made).toBe(0);
    const waiting = slots.acquire(leave);
    expect(made).toBe(1);
    controller.abort();
    await expect(waiting).rejects.toThrow("left");
    expect(slots.queued).toBe(0);
  });
});
