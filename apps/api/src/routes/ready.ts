// GET /ready: readiness for load balancers and Kubernetes: 503 while draining or when a dependency fails.
import { Hono } from "hono";
import type { ReadyBody, ReadyStatus } from "../schemas/ops.js";

export type { ReadyBody, ReadyStatus };

export interface ReadyCheck {
  name: string;
  /** Resolves when the dependency answers; rejects (with a message worth showing) when not. */
  check: (signal: AbortSignal) => Promise<void>;
}

export interface ReadyRouteDeps {
  isDraining: () => boolean;
  /** A function when checks come and go (a template's warm pool starts once its build is ready). */
  checks: readonly ReadyCheck[] | (() => readonly ReadyCheck[]);
  /** Per check; a check still pending then fails as timed out and its signal aborts. Default 2000. */
  timeoutMs?: number;
}

export const DEFAULT_READY_TIMEOUT_MS = 2000;

function describe(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  if (typeof error === "string" && error) return error;
  return "check failed";
}

interface CheckResult {
  ok: boolean;
  detail: string;
}

/** Runs one check with its own deadline; never rejects. */
async function runCheck(check: ReadyCheck, timeoutMs: number): Promise<CheckResult> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => {
      const detail = `timed out after ${timeoutMs}ms`;
      controller.abort(new Error(detail));
      resolve({ ok: false, detail });
    }, timeoutMs);
  });
  // async wrapper: a check that throws synchronously fails like one that rejects.
  const outcome = (async (): Promise<CheckResult> => {
    await check.check(controller.signal);
    return { ok: true, detail: "ok" };
  })().catch((error: unknown) => ({ ok: false, detail: describe(error) }));
  try {
    return await Promise.race([outcome, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** A check from an `isAvailable()`-style probe (a sandbox provider's): false fails the check. */
export function availabilityCheck(
  name: string,
  isAvailable: (signal: AbortSignal) => Promise<boolean>,
): ReadyCheck {
  return {
    name,
    check: async (signal) => {
      if (!(await isAvailable(signal))) throw new Error(`${name} is not available`);
    },
  };
}

export function readyRoute(deps: ReadyRouteDeps): Hono {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const app = new Hono();
  app.get("/ready", async (c) => {
    c.header("Cache-Control", "no-store");
    if (deps.isDraining()) {
      return c.json({ status: "draining", checks: {} } satisfies ReadyBody, 503);
    }
    const asked = typeof deps.checks === "function" ? deps.checks() : deps.checks;
    const results = await Promise.all(asked.map((check) => runCheck(check, timeoutMs)));
    const checks: Record<string, string> = Object.fromEntries(
      asked.map((check, i) => [check.name, results[i]?.detail ?? "check failed"]),
    );
    // A drain that began while the checks ran wins: the instance must leave the rotation.
    const status: ReadyStatus = deps.isDraining()
      ? "draining"
      : results.every((r) => r.ok)
        ? "ready"
        : "not_ready";
    return c.json({ status, checks } satisfies ReadyBody, status === "ready" ? 200 : 503);
  });
  return app;
}
