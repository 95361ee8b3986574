// The grep tool: searches file contents for a JavaScript regex, printing "path:line:text".
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import * as z from "zod";
import { CANCELLED, defineBuiltInTool, errorText, fail, ok } from "./define.js";
import { globToRegExp } from "./glob.js";
import { displayPath, resolveInside } from "./path-guard.js";
import { looksBinary } from "./text-file.js";
import { truncateMiddle } from "./truncate.js";
import { walk } from "./walk.js";

export const MAX_GREP_MATCHES = 500;
const MAX_FILE_BYTES = 2 * 1024 * 1024;
const MAX_DEPTH = 30;
const MAX_LINE_CHARS = 300;

const schema = () =>
  z.strictObject({
    pattern: z.string().min(1).describe("JavaScript regular expression, matched per line."),
    path: z
      .string()
      .min(1)
      .default(".")
      .describe("File or directory to search, relative to the working directory."),
    glob: z
      .string()
      .min(1)
      .optional()
      .describe('Only search files matching this glob, e.g. "*.ts" or "src/**/*.{js,ts}".'),
    ignoreCase: z.boolean().optional().describe("Match case-insensitively."),
  });

/** Like ripgrep's --glob: without a "/" the glob is matched against the file name alone. */
function fileFilter(glob: string | undefined): (rel: string) => boolean {
  if (glob === undefined) return () => true;
  const re = globToRegExp(glob);
  if (glob.includes("/")) return (rel) => re.test(rel);
  return (rel) => re.test(path.posix.basename(rel));
}

function clip(line: string): string {
  return line.length <= MAX_LINE_CHARS ? line : `${line.slice(0, MAX_LINE_CHARS)} [...]`;
}

export const grepTool = defineBuiltInTool({
  name: "grep",
  parallel: true,
  description:
    "Search file contents recursively with a JavaScript regular expression. Prints matching " +
    "lines as path:line:text. Skips binary files, files over 2 MB, .git and node_modules. " +
    "glob filters files: without a '/' it matches file names at any depth (\"*.ts\"), with " +
    'one it matches paths relative to `path` ("src/**/*.ts").',
  schema,
  async run(input, context) {
    let regex: RegExp;
    try {
      regex = new RegExp(input.pattern, input.ignoreCase ? "i" : "");
    } catch (err) {
      return fail(`invalid regex: ${errorText(err)}`);
    }
    const resolved = await resolveInside(context.cwd, input.path);
    if (!resolved.ok) return fail(resolved.error);
    const { root } = resolved;
    const info = await stat(resolved.path).catch(() => undefined);
    if (!info) return fail(`no such file or directory: ${input.path}`);
    if (!info.isDirectory() && !info.isFile()) return fail(`${input.path} is not a regular file`);
    if (info.isFile() && info.size > MAX_FILE_BYTES) {
      return fail(`${input.path} is over 2 MB; search parts of it with bash instead`);
    }

    // An explicitly named file is searched even if the glob would not pick it.
    const files: AsyncIterable<string> | string[] = info.isDirectory()
      ? filesUnder(resolved.path, fileFilter(input.glob), context.signal)
      : [resolved.path];
    const out: string[] = [];
    let note = "";
    search: for await (const file of files) {
      if (context.signal.aborted) return CANCELLED;
      const data = await readFile(file).catch(() => undefined);
      if (!data || data.length > MAX_FILE_BYTES || looksBinary(data)) continue;
      const shown = displayPath(root, file);
      const lines = data.toString("utf8").split("\n");
      for (let i = 0; i < lines.length; i++) {
        const line = (lines[i] ?? "").replace(/\r$/, "");
        if (!regex.test(line)) continue;
        if (out.length === MAX_GREP_MATCHES) {
          note = `[stopped at ${MAX_GREP_MATCHES} matches; narrow the pattern, path or glob]`;
          break search;
        }
        out.push(`${shown}:${i + 1}:${clip(line)}`);
      }
    }
    if (context.signal.aborted) return CANCELLED;
    if (out.length === 0) return ok("no matches");
    if (note) out.push(note);
    return ok(truncateMiddle(out.join("\n"), context.outputLimitChars));
  },
});

async function* filesUnder(
  dir: string,
  accept: (rel: string) => boolean,
  signal: AbortSignal,
): AsyncGenerator<string> {
  for await (const entry of walk(dir, { maxDepth: MAX_DEPTH, signal })) {
    if (!entry.dirent.isFile() || !accept(entry.rel)) continue;
    const info = await stat(entry.path).catch(() => undefined);
    if (info && info.size <= MAX_FILE_BYTES) yield entry.path;
  }
}
