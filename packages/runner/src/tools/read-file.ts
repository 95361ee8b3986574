// The read_file tool: a text file with line numbers, optionally a window of its lines.
import * as z from "zod";
import { defineBuiltInTool, fail, ok } from "./define.js";
import { displayPath, resolveInside } from "./path-guard.js";
import { loadTextFile } from "./text-file.js";
import { truncateMiddle } from "./truncate.js";

/** Longer lines (minified code, data) are cut so one line cannot eat the whole budget. */
const MAX_LINE_CHARS = 2000;

const schema = () =>
  z.strictObject({
    path: z.string().min(1).describe("File path, relative to the working directory."),
    offset: z.number().int().min(1).optional().describe("First line to show, 1-based."),
    limit: z.number().int().min(1).optional().describe("Number of lines to show."),
  });

function clipLine(line: string): string {
  if (line.length <= MAX_LINE_CHARS) return line;
  return `${line.slice(0, MAX_LINE_CHARS)} [... ${line.length - MAX_LINE_CHARS} characters cut]`;
}

export const readFileTool = defineBuiltInTool({
  name: "read_file",
  parallel: true,
  description:
    "Read a text file. Each line is prefixed with its line number and a tab (the prefix is " +
    "not part of the file). Use offset and limit to read a window of a long file.",
  schema,
  async run(input, context) {
    const resolved = await resolveInside(context.cwd, input.path);
    if (!resolved.ok) return fail(resolved.error);
    const shown = displayPath(resolved.root, resolved.path);
    const file = await loadTextFile(resolved.path, shown);
    if (!file.ok) return fail(file.error);
    if (file.text === "") return ok(`(${shown} is empty)`);

    const lines = file.text.split("\n");
    if (file.text.endsWith("\n")) lines.pop();
    const first = input.offset ?? 1;
    if (first > lines.length) {
      return fail(`offset ${first} is past the end of ${shown}, which has ${lines.length} lines`);
    }
    const last = Math.min(lines.length, first - 1 + (input.limit ?? lines.length));
    const width = Math.max(4, String(last).length);

    const out: string[] = [];
    let used = 0;
    for (let n = first; n <= last; n++) {
      const text = `${String(n).padStart(width)}\t${clipLine((lines[n - 1] ?? "").replace(/\r$/, ""))}`;
      // Cut at a line boundary and say where to go on, which beats a cut in the middle here.
      if (used + text.length + 1 > context.outputLimitChars && out.length > 0) {
        out.push(`[... output cut at line ${n - 1} of ${lines.length}; read on with offset=${n}]`);
        break;
      }
      out.push(text);
      used += text.length + 1;
    }
    if (out.length === 1 && used > context.outputLimitChars) {
      return ok(truncateMiddle(out[0] ?? "", context.outputLimitChars));
    }
    if (last < lines.length && out.length === last - first + 1) {
      out.push(`[... ${lines.length - last} more lines; read on with offset=${last + 1}]`);
    }
    return ok(out.join("\n"));
  },
});
