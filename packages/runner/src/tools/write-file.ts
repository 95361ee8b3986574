// The write_file tool: creates or overwrites a file, making its parent directories as needed.
import { mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import * as z from "zod";
import { defineBuiltInTool, fail, ok } from "./define.js";
import { displayPath, resolveInside } from "./path-guard.js";

const schema = () =>
  z.strictObject({
    path: z.string().min(1).describe("File path, relative to the working directory."),
    content: z.string().describe("The complete new content of the file."),
  });

export const writeFileTool = defineBuiltInTool({
  name: "write_file",
  description:
    "Write a file with the given content, replacing it if it exists and creating missing " +
    "parent directories. For small changes to an existing file prefer edit_file.",
  schema,
  async run(input, context) {
    const resolved = await resolveInside(context.cwd, input.path);
    if (!resolved.ok) return fail(resolved.error);
    const shown = displayPath(resolved.root, resolved.path);
    const existing = await stat(resolved.path).catch(() => undefined);
    if (existing?.isDirectory()) return fail(`${shown} is a directory; give a file path`);

    await mkdir(path.dirname(resolved.path), { recursive: true });
    // The resolved path is real, so this cannot follow a symlink that the guard did not check.
    await writeFile(resolved.path, input.content, "utf8");
    const bytes = Buffer.byteLength(input.content, "utf8");
    return ok(`${existing ? "overwrote" : "created"} ${shown} (${bytes} bytes written)`);
  },
});
