// Whether to colour a stream (FORCE_COLOR, NO_COLOR, then "is it a terminal"), and the few styles we use.

export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * FORCE_COLOR (any value but "0"/"false") wins, then NO_COLOR (any non-empty value, no-color.org),
 * then TERM=dumb; otherwise colour exactly when the stream is a terminal.
 */
export function colourEnabled(stream: OutputStream, env: Env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force !== "false";
  if (env.NO_COLOR) return false;
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}

export interface Palette {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

function style(enabled: boolean, open: number, close: number) {
  return (text: string) => (enabled && text ? `\x1b[${open}m${text}\x1b[${close}m` : text);
}

export function createPalette(enabled: boolean): Palette {
  return {
    enabled,
    bold: style(enabled, 1, 22),
    dim: style(enabled, 2, 22),
    red: style(enabled, 31, 39),
    green: style(enabled, 32, 39),
    yellow: style(enabled, 33, 39),
    cyan: style(enabled, 36, 39),
  };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** The text as a terminal shows it: escapes removed (for widths and tests). */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}
