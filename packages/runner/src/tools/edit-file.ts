// The edit_file tool: replaces an exact piece of text in a file, once or everywhere.
import { writeFile } from "node:fs/promises";
import * as z from "zod";
import { defineBuiltInTool, fail, ok } from "./define.js";
import { displayPath, resolveInside } from "./path-guard.js";
import { loadTextFile } from "./text-file.js";

const schema = () =>
  z.strictObject({
    path: z.string().min(1).describe("File path, relative to the working directory."),
    old_string: z.string().min(1).describe("Exact text to replace, including whitespace."),
    new_string: z.string().describe("Text to put in its place."),
    replace_all: z
      .boolean()
      .optional()
      .describe("Replace every occurrence; otherwise old_string must occur exactly once."),
  });

function countOccurrences(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) {
    count++;
  }
  return count;
}

export const editFileTool = defineBuiltInTool({
  name: "edit_file",
  description:
    "Replace exact text in a file. old_string must match the file exactly (whitespace and " +
    "indentation included, without read_file's line-number prefixes) and occur exactly once, " +
    "unless replace_all is true. Include surrounding lines to make it unique.",
  schema,
  async run(input, context) {
    if (input.old_string === input.new_string) {
      return fail("old_string and new_string are identical; nothing to change");
    }
    const resolved = await resolveInside(context.cwd, input.path);
    if (!resolved.ok) return fail(resolved.error);
    const shown = displayPath(resolved.root, resolved.path);
    const file = await loadTextFile(resolved.path, shown);
    if (!file.ok) return fail(file.error);

    const count = countOccurrences(file.text, input.old_string);
    if (count === 0) {
      return fail(
        `old_string not found in ${shown}; read the file again and copy the text exactly`,
      );
    }
    if (count > 1 && input.replace_all !== true) {
      return fail(
        `old_string occurs ${count} times in ${shown}; add surrounding text to make it unique, or set replace_all to true`,
      );
    }
    // split/join rather than String.replace, whose "$&"-style patterns would garble new_string.
    const updated = file.text.split(input.old_string).join(input.new_string);
    await writeFile(resolved.path, updated, "utf8");
    return ok(`replaced ${count} occurrence${count === 1 ? "" : "s"} in ${shown}`);
  },
});
