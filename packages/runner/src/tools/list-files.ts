// The list_files tool: a recursive, sorted listing of a directory, optionally filtered by glob.
import { stat } from "node:fs/promises";
import path from "node:path";
import * as z from "zod";
import { CANCELLED, defineBuiltInTool, fail, ok } from "./define.js";
import { globToRegExp } from "./glob.js";
import { displayPath, resolveInside } from "./path-guard.js";
import { truncateMiddle } from "./truncate.js";
import { walk } from "./walk.js";

export const MAX_LIST_ENTRIES = 1000;
const MAX_DEPTH = 20;
/** Entries looked at before giving up, so a pattern matching little cannot scan for ever. */
const MAX_SCANNED = 100_000;

const schema = () =>
  z.strictObject({
    path: z
      .string()
      .min(1)
      .default(".")
      .describe("Directory to list, relative to the working directory."),
    pattern: z
      .string()
      .min(1)
      .optional()
      .describe('Glob matched against paths relative to `path`, e.g. "**/*.ts" or "*.md".'),
  });

export const listFilesTool = defineBuiltInTool({
  name: "list_files",
  parallel: true,
  description:
    "List files and directories recursively (directories end with '/'), sorted, as paths " +
    "relative to the working directory. The contents of .git and node_modules are not listed. " +
    'pattern filters by glob: "*" and "?" stay within one path segment, "**" spans segments, ' +
    '"{a,b}" is a choice; "*.md" matches only at the top, "**/*.md" at any depth.',
  schema,
  async run(input, context) {
    const resolved = await resolveInside(context.cwd, input.path);
    if (!resolved.ok) return fail(resolved.error);
    const { root } = resolved;
    const info = await stat(resolved.path).catch(() => undefined);
    if (!info) return fail(`no such directory: ${input.path}`);
    if (!info.isDirectory()) return ok(displayPath(root, resolved.path));

    const matcher = input.pattern === undefined ? undefined : globToRegExp(input.pattern);
    const lines: string[] = [];
    let scanned = 0;
    let note = "";
    for await (const entry of walk(resolved.path, {
      maxDepth: MAX_DEPTH,
      signal: context.signal,
    })) {
      if (++scanned > MAX_SCANNED) {
        note = `[stopped after looking at ${MAX_SCANNED} entries; narrow it with path or pattern]`;
        break;
      }
      const isDir = entry.dirent.isDirectory();
      if (matcher && !matcher.test(entry.rel) && !(isDir && matcher.test(`${entry.rel}/`)))
        continue;
      if (lines.length === MAX_LIST_ENTRIES) {
        note = `[listing cut at ${MAX_LIST_ENTRIES} entries; narrow it with path or pattern]`;
        break;
      }
      lines.push(path.relative(root, entry.path) + (isDir ? "/" : ""));
    }
    if (context.signal.aborted) return CANCELLED;
    if (lines.length === 0 && note === "") {
      return ok(matcher ? `no entries match ${input.pattern}` : "(empty directory)");
    }
    if (note) lines.push(note);
    return ok(truncateMiddle(lines.join("\n"), context.outputLimitChars));
  },
});
