// util.parseArgs, with its errors turned into UsageError so a typo exits 2 with a pointer to --help.
import { type ParseArgsConfig, parseArgs } from "node:util";
import { UsageError } from "./exit-codes.js";
import { didYouMean } from "./terminal/did-you-mean.js";

type Options = NonNullable<ParseArgsConfig["options"]>;
type Config<T extends Options> = {
  args: string[];
  options: T;
  allowPositionals: true;
  strict: true;
};
type Parsed<T extends Options> = ReturnType<typeof parseArgs<Config<T>>>;

export function parseFlags<const T extends Options>(
  command: string,
  args: string[],
  options: T,
): Parsed<T> {
  try {
    return parseArgs<Config<T>>({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // util.parseArgs says: Unknown option '--modle'.
    const unknown = /^Unknown option '--?([^']+)'/.exec(message)?.[1];
    const hint = unknown ? didYouMean(unknown, Object.keys(options), "--") : "";
    throw new UsageError(
      `${message.replace(/\. To specify a positional argument.*$/s, "").replace(/\.$/, "")}${hint}`,
      command,
    );
  }
}

/** A whole number within [min, max] from a flag's text, else a UsageError naming the flag. */
export function intFlag(
  command: string,
  flag: string,
  text: string | undefined,
  range: { min: number; max: number },
): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < range.min || value > range.max)
    throw new UsageError(
      `--${flag}: expected a whole number from ${range.min} to ${range.max}, got "${text}"`,
      command,
    );
  return value;
}
