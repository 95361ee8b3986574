// A reader that left (`sandcaster runs | head -1`) closes stdout, and every write after that fails
// with EPIPE. That is no crash: the command is told (a run is then cancelled) and ends quietly.

const listeners = new Set<() => void>();
let closed = false;

/** Codes of a write to a pipe whose reader is gone. */
const GONE = new Set(["EPIPE", "ERR_STREAM_DESTROYED", "ERR_STREAM_WRITE_AFTER_END"]);

/** Installs the handler once, at start (an unhandled stream error would crash the process). */
export function watchOutput(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]) {
  for (const stream of streams) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (!GONE.has(error.code ?? "")) throw error;
      if (stream !== process.stdout || closed) return;
      closed = true;
      for (const listener of [...listeners]) listener();
    });
  }
}

/** True once stdout's reader left. */
export function outputClosed(): boolean {
  return closed;
}

/** Calls `listener` once stdout's reader leaves (at once if it already has); returns the undo. */
export function onOutputClosed(listener: () => void): () => void {
  if (closed) {
    listener();
    return () => undefined;
  }
  listeners.add(listener);
  return () => listeners.delete(listener);
}
