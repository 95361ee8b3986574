// A doctor check: what a probe found, graded by whether this setup needs it, under a time limit.

export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export interface CheckResult {
  id: string;
  status: CheckStatus;
  message: string;
  /** One line on how to fix it. */
  hint?: string | undefined;
}

/** What a probe found, before the doctor decides how much it matters. */
export interface Finding {
  ok: boolean;
  message: string;
  hint?: string | undefined;
}

/** A finding that is not ok fails the doctor only when this setup needs it; else it is a warning. */
export function grade(id: string, finding: Finding, required: boolean): CheckResult {
  const status = finding.ok ? "ok" : required ? "fail" : "warn";
  return { id, status, message: finding.message, ...(finding.ok ? {} : { hint: finding.hint }) };
}

/**
 * Runs a probe with its own abort signal. Past `timeoutMs`, or when it throws, the answer is
 * `failed(why)` instead: no probe can hang the doctor or crash it.
 */
export async function probe<T>(
  run: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  failed: (why: string) => T,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve(failed(`no answer within ${timeoutMs / 1000}s`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([
      run(controller.signal).catch((error: unknown) => failed(reason(error))),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The failure of a plain probe, with its fix. */
export const failing =
  (hint: string) =>
  (why: string): Finding => ({ ok: false, message: why, hint });

export function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = (error as { code?: unknown }).code;
  const detail = cause?.code ?? cause?.message ?? (typeof code === "string" ? code : undefined);
  const text = error.message.split("\n")[0] ?? error.message;
  return detail && !text.includes(detail) ? `${text} (${detail})` : text;
}
