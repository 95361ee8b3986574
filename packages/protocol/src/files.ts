// Request files: relative paths confined to the workspace, with count and size limits.
import * as z from "zod";

export const MAX_REQUEST_FILES = 20;
export const MAX_REQUEST_FILES_BYTES = 10 * 1024 * 1024;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const WINDOWS_DRIVE = /^[a-zA-Z]:/;

/**
 * Normalises a relative POSIX path ("a/./b//c" → "a/b/c"). Returns an error message instead when
 * the path is absolute, empty, escapes the root with "..", or holds a NUL byte.
 */
export function normaliseRelativePath(raw: string): { path: string } | { error: string } {
  if (raw.includes("\0")) return { error: "path contains a NUL byte" };
  const slashed = raw.replace(/\\/g, "/");
  if (slashed.startsWith("/") || WINDOWS_DRIVE.test(slashed)) {
    return { error: "absolute paths are not allowed; use a path relative to the workspace" };
  }
  const stack: string[] = [];
  for (const part of slashed.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (stack.length === 0) return { error: "path escapes the workspace with '..'" };
      stack.pop();
    } else {
      stack.push(part);
    }
  }
  if (stack.length === 0) return { error: "path names no file" };
  return { path: stack.join("/") };
}

export const FileEncodingSchema = z.enum(["utf8", "base64"]);
export type FileEncoding = z.infer<typeof FileEncodingSchema>;

const FileValueSchema = z.union([
  z.string(),
  z.strictObject({ content: z.string(), encoding: FileEncodingSchema.default("utf8") }),
]);

/** A file ready to stage: normalised path and decoded-size known. */
export interface RequestFile {
  path: string;
  content: string;
  encoding: FileEncoding;
  sizeBytes: number;
}

function byteLength(content: string, encoding: FileEncoding): number {
  if (encoding === "utf8") return new TextEncoder().encode(content).length;
  const padding = content.endsWith("==") ? 2 : content.endsWith("=") ? 1 : 0;
  return Math.floor((content.length * 3) / 4) - padding;
}

export const RequestFilesSchema = z
  .record(z.string(), FileValueSchema)
  .transform((record, ctx): RequestFile[] => {
    const entries = Object.entries(record);
    if (entries.length > MAX_REQUEST_FILES) {
      ctx.addIssue({
        code: "custom",
        message: `too many files: ${entries.length} (at most ${MAX_REQUEST_FILES})`,
      });
      return z.NEVER;
    }
    const seen = new Map<string, string>();
    const files: RequestFile[] = [];
    let total = 0;
    for (const [rawPath, value] of entries) {
      const normalised = normaliseRelativePath(rawPath);
      if ("error" in normalised) {
        ctx.addIssue({ code: "custom", path: [rawPath], message: normalised.error });
        continue;
      }
      const earlier = seen.get(normalised.path);
      if (earlier !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [rawPath],
          message: `"${rawPath}" and "${earlier}" both name "${normalised.path}"`,
        });
        continue;
      }
      seen.set(normalised.path, rawPath);
      const content = typeof value === "string" ? value : value.content;
      const encoding = typeof value === "string" ? "utf8" : value.encoding;
      if (encoding === "base64" && (content.length % 4 !== 0 || !BASE64.test(content))) {
        ctx.addIssue({ code: "custom", path: [rawPath], message: "content is not valid base64" });
        continue;
      }
      const sizeBytes = byteLength(content, encoding);
      total += sizeBytes;
      files.push({ path: normalised.path, content, encoding, sizeBytes });
    }
    if (total > MAX_REQUEST_FILES_BYTES) {
      ctx.addIssue({
        code: "custom",
        message: `files total ${total} bytes; at most ${MAX_REQUEST_FILES_BYTES} bytes are allowed`,
      });
    }
    return files;
  });
