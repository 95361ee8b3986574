// Small helpers of the benchmarks: statistics, timeouts, a process's RSS and CPU time from /proc.
import { readFileSync } from "node:fs";

export const MB = 1024 * 1024;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentile of unsorted numbers; NaN when there are none. */
export function percentile(values, p) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

export function summary(values) {
  return {
    n: values.length,
    p50: round(percentile(values, 50)),
    p95: round(percentile(values, 95)),
    min: round(percentile(values, 0)),
    max: round(percentile(values, 100)),
  };
}

export const round = (value, digits = 2) =>
  Number.isFinite(value) ? Math.round(value * 10 ** digits) / 10 ** digits : null;

/** Rejects with `what` timed out after `ms`. */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `check` every `everyMs` until it is true; false when `withinMs` passed first. */
export async function until(check, withinMs, everyMs = 50) {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}

function statusField(pid, field) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** Resident set size of a process, bytes. */
export const rssOf = (pid) => statusField(pid, "VmRSS");
/** Peak resident set size of a process so far, bytes. */
export const peakRssOf = (pid) => statusField(pid, "VmHWM");

const TICKS_PER_SECOND = 100;

/** User + system CPU time of a process, ms (Linux clock ticks of 10 ms). */
export function cpuMsOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** Cleanups run once, last registered first, on success, failure or a signal. */
export function cleanupStack() {
  const steps = [];
  let running;
  return {
    add(step) {
      steps.push(step);
      return step;
    },
    remove(step) {
      const index = steps.indexOf(step);
      if (index >= 0) steps.splice(index, 1);
    },
    run() {
      running ??= (async () => {
        while (steps.length > 0) {
          const step = steps.pop();
          try {
            await withTimeout(Promise.resolve().then(step), 30_000, "cleanup step");
          } catch (error) {
            console.error(`bench cleanup: ${error instanceof Error ? error.message : error}`);
          }
        }
      })();
      return running;
    },
  };
}
