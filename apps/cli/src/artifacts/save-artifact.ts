// Writes a run's `file` events under --out DIR, byte for byte; never outside DIR, never through a symlink.
import { constants } from "node:fs";
import { lstat, mkdir, open, realpath } from "node:fs/promises";
import { join } from "node:path";
import { type FileEvent, normaliseRelativePath } from "@sandcaster/protocol";
import { hasControlCharacters, safeJson } from "../terminal/safe-text.js";

export class ArtifactRefused extends Error {
  constructor(path: string, reason: string) {
    super(`not saved ${safeJson(path)}: ${reason}`);
    this.name = "ArtifactRefused";
  }
}

export function artifactBytes(event: FileEvent): Buffer {
  return event.encoding === "base64"
    ? Buffer.from(event.content, "base64")
    : Buffer.from(event.content, "utf8");
}

/** Saves into `outDir` (created when missing); returns the path written. */
export async function saveArtifact(outDir: string, event: FileEvent): Promise<string> {
  // A name a terminal would act on (escapes, newlines, bidi overrides) is refused, not renamed:
  // the operator then lists the directory and sees exactly what the agent asked to write.
  if (hasControlCharacters(event.path)) {
    throw new ArtifactRefused(event.path, "its name carries control characters");
  }
  const relative = normaliseRelativePath(event.path);
  if ("error" in relative) throw new ArtifactRefused(event.path, relative.error);
  await mkdir(outDir, { recursive: true });
  const parts = relative.path.split("/");
  const name = parts.pop() as string;
  // Walk down one directory at a time: an existing symlink anywhere on the way could lead out.
  let dir = await realpath(outDir);
  for (const part of parts) {
    dir = join(dir, part);
    const stat = await lstat(dir).catch(() => undefined);
    if (stat?.isSymbolicLink()) throw new ArtifactRefused(event.path, `${part} is a symlink`);
    if (stat && !stat.isDirectory()) throw new ArtifactRefused(event.path, `${part} is a file`);
    if (!stat) await mkdir(dir);
  }
  const target = join(dir, name);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
  const handle = await open(target, flags, 0o644).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ELOOP") throw new ArtifactRefused(event.path, "it is a symlink");
    throw error;
  });
  try {
    await handle.writeFile(artifactBytes(event));
  } finally {
    await handle.close();
  }
  return target;
}
