// Boot marks for the bench: with SANDCASTER_BOOT_TIMINGS=1 the runner writes them to stderr once
// (never stdout, which carries events only). Each mark: wall ms since the process's timeOrigin,
// and the process's CPU ms so far (less swayed by other load on the machine than wall time).
// Marks are taken on process.hrtime and turned into performance's clock only when reported:
// Node's `performance` global loads perf_hooks (eight modules), a cost to every cold boot.

import { builtinsAfterFlags, v8FlagsSet } from "./boot/liftoff-before-wasm.js";

type Mark = "main" | "config" | "sdk";

const marks: Partial<Record<Mark, number>> = {};
const cpuMarks: Partial<Record<Mark, number>> = {};

/** Monotonic ms (process.hrtime); the loader's bundle-start mark uses the same clock. */
const hrMs = () => Number(process.hrtime.bigint()) / 1e6;

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * Node modules a cold boot has no use for before its model request, each once loaded at boot by a
 * static import (node:fs's ESM facade loaded fs's streams; node:v8 came with boot-timings and the
 * liftoff flag; node:module for createRequire).
 */
const UNNEEDED_BEFORE_SDK = ["internal/fs/streams", "v8", "module"];
let unneededAtSdk: string[] | undefined;

export function mark(name: Mark): void {
  if (marks[name] !== undefined) return;
  marks[name] = hrMs();
  cpuMarks[name] = cpuMs();
  if (name === "sdk" && process.env.SANDCASTER_BOOT_TIMINGS === "1") {
    const loaded = new Set((process as { moduleLoadList?: string[] }).moduleLoadList ?? []);
    unneededAtSdk = UNNEEDED_BEFORE_SDK.filter((id) => loaded.has(`NativeModule ${id}`));
  }
}

export function reportBootTimings(): void {
  if (process.env.SANDCASTER_BOOT_TIMINGS !== "1") return;
  const start = globalThis as {
    __sandcasterBundleStart?: number;
    __sandcasterBundleCpu?: number;
    __sandcasterCodeCache?: string;
    __sandcasterSdkCodeCache?: string;
  };
  // hrtime ms → ms since timeOrigin (the clock the bench reads the marks on).
  const shift = performance.now() - hrMs();
  const onPerfClock = (ms: number | undefined) => (ms === undefined ? undefined : ms + shift);
  const perfMarks = Object.fromEntries(
    Object.entries(marks).map(([name, ms]) => [name, onPerfClock(ms)]),
  );
  const timings = {
    // Whether V8 took the bundle's code cache: "accepted", "rejected" or "none" (boot/ files).
    codeCache: start.__sandcasterCodeCache,
    // The same for the part holding the run's model SDK (boot/sdk-chunks.mjs).
    sdkCodeCache: start.__sandcasterSdkCodeCache,
    timeOrigin: performance.timeOrigin,
    bootstrapComplete: performance.nodeTiming.bootstrapComplete,
    bundleStart: onPerfClock(start.__sandcasterBundleStart),
    // Whether boot/liftoff-before-wasm.ts set its flag (before the run's model request, as the
    // loaded-after list below shows).
    v8FlagsSet: v8FlagsSet(),
    // Compiled from source, since the flags no longer match Node's cache of its own modules.
    builtinsAfterFlags: builtinsAfterFlags(),
    // Which of UNNEEDED_BEFORE_SDK were loaded when the conversation existed.
    unneededAtSdk,
    // Whether Node's fetch (undici) was loaded: not by an SDK that sends through src/http/.
    nodeFetchLoaded: (process as { moduleLoadList?: string[] }).moduleLoadList?.includes(
      "NativeModule internal/deps/undici/undici",
    ),
    ...perfMarks,
    cpu: { bundleStart: start.__sandcasterBundleCpu, ...cpuMarks, exit: cpuMs() },
  };
  process.stderr.write(`sandcaster-boot-timings ${JSON.stringify(timings)}\n`);
}
