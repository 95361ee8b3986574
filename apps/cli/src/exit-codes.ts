// How the process ends: one code per kind of outcome, and the error that means "you typed it wrong".

export const EXIT = {
  ok: 0,
  /** The run failed (or a check failed, or the server refused). */
  failed: 1,
  /** Bad flags, arguments or request fields: nothing was run. */
  usage: 2,
  /** Stopped with Ctrl-C (128 + SIGINT), as shells report it. */
  interrupted: 130,
  /** stdout's reader left (`| head`): 128 + SIGPIPE, what shells report for `yes | head -1`. */
  outputClosed: 141,
} as const;

/** A mistake in how the command was called; main prints it with a pointer to --help, exit 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose --help to point at. */
    readonly command?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}
