// readChangedFiles(): find files changed since staging, decide from sizes, then read only what fits.
import type {
  ChangedFile,
  ChangedFiles,
  ChangedFilesLimits,
  SkippedFile,
} from "../../sandbox/sandbox.js";
import type { SingleFileResult } from "./tar.js";

export interface Candidate {
  /** Relative to the workspace, POSIX separators. */
  path: string;
  size: number;
  /** The content, when the scan read it already (small files): no read() for it. */
  content?: Buffer | undefined;
}

export interface ChangedFilesSource {
  /** Regular files changed since the last staging, with their sizes (any order). */
  scan(signal: AbortSignal): Promise<Candidate[]>;
  /** One workspace file, not buffered when larger than `maxBytes`. */
  read(path: string, maxBytes: number, signal: AbortSignal): Promise<SingleFileResult>;
}

const READ_CONCURRENCY = 4;

export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Splits candidates (sorted by path) into what to read and what to skip, from sizes alone. */
export function planChangedFiles(
  candidates: readonly Candidate[],
  limits: ChangedFilesLimits,
): { read: Candidate[]; skipped: SkippedFile[] } {
  const read: Candidate[] = [];
  const skipped: SkippedFile[] = [];
  let total = 0;
  for (const file of [...candidates].sort((a, b) => comparePaths(a.path, b.path))) {
    if (file.size > limits.maxFileBytes) {
      skipped.push({ path: file.path, size: file.size, reason: "file_too_large" });
    } else if (read.length >= limits.maxFiles) {
      skipped.push({ path: file.path, size: file.size, reason: "too_many_files" });
    } else if (total + file.size > limits.maxTotalBytes) {
      skipped.push({ path: file.path, size: file.size, reason: "total_too_large" });
    } else {
      read.push(file);
      total += file.size;
    }
  }
  return { read, skipped };
}

async function mapLimited<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

export async function collectChangedFiles(
  source: ChangedFilesSource,
  limits: ChangedFilesLimits,
  signal: AbortSignal,
): Promise<ChangedFiles> {
  const plan = planChangedFiles(await source.scan(signal), limits);
  const results = await mapLimited(plan.read, READ_CONCURRENCY, async (file) => {
    signal.throwIfAborted();
    if (file.content) {
      const result: SingleFileResult =
        file.content.length > limits.maxFileBytes
          ? { kind: "too_large", size: file.content.length }
          : { kind: "file", content: file.content };
      return { file, result };
    }
    return { file, result: await source.read(file.path, limits.maxFileBytes, signal) };
  });
  // Files can change between the scan and the read: re-check the limits on what was really read.
  const files: ChangedFile[] = [];
  const skipped = [...plan.skipped];
  let total = 0;
  for (const { file, result } of results) {
    if (result.kind === "missing") continue;
    if (result.kind === "too_large") {
      skipped.push({ path: file.path, size: result.size, reason: "file_too_large" });
    } else if (total + result.content.length > limits.maxTotalBytes) {
      skipped.push({ path: file.path, size: result.content.length, reason: "total_too_large" });
    } else {
      total += result.content.length;
      files.push({ path: file.path, content: new Uint8Array(result.content) });
    }
  }
  skipped.sort((a, b) => comparePaths(a.path, b.path));
  return { files, skipped };
}
