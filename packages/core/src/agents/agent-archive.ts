// An agent's code: a tar of files and directories, checked entry by entry and turned into the
// template's files under the agent's directory (so the code is part of the template's hash).
import { posix } from "node:path";
import { Readable } from "node:stream";
import type { TemplateFile } from "@sandcaster/protocol";
import { extract } from "tar-stream";

export const AGENT_DIR = "/opt/agent";
const MAX_FILES = 5_000;
const MAX_BYTES = 64 * 1024 * 1024;

export class AgentArchiveError extends Error {
  override name = "AgentArchiveError";
}

function safeName(name: string): string {
  const normal = posix.normalize(name.replace(/^\.\//, ""));
  if (
    normal.startsWith("/") ||
    normal === ".." ||
    normal.startsWith("../") ||
    normal.includes("\0")
  ) {
    throw new AgentArchiveError(`archive entry ${JSON.stringify(name)} leaves the agent directory`);
  }
  return normal.replace(/\/$/, "");
}

/** The regular files of the tar, as template files under AGENT_DIR (directories are implied). */
export async function agentFiles(archive: Buffer): Promise<TemplateFile[]> {
  const files: TemplateFile[] = [];
  let total = 0;
  const reader = extract();
  const done = new Promise<void>((resolve, reject) => {
    reader.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on("data", (data: unknown) => {
        const chunk = data as Buffer;
        total += chunk.length;
        if (total > MAX_BYTES) {
          reject(new AgentArchiveError(`the archive holds more than ${MAX_BYTES} bytes`));
          reader.destroy();
          return;
        }
        chunks.push(chunk);
      });
      stream.on("end", () => {
        try {
          const name = safeName(header.name);
          if (header.type === "file" && name !== ".") {
            if (files.length >= MAX_FILES) {
              throw new AgentArchiveError(`the archive holds more than ${MAX_FILES} files`);
            }
            files.push({
              path: posix.join(AGENT_DIR, name),
              content: Buffer.concat(chunks).toString("base64"),
              encoding: "base64",
              // Readable by the sandbox user; executable bits kept.
              mode: ((header.mode ?? 0o644) & 0o755) | 0o644,
            });
          } else if (header.type !== "directory") {
            throw new AgentArchiveError(
              `archive entry ${JSON.stringify(header.name)} is a ${header.type}: only files and directories`,
            );
          }
          next();
        } catch (error) {
          reject(error);
          reader.destroy();
        }
      });
      stream.resume();
    });
    reader.on("finish", resolve);
    reader.on("error", (error) =>
      reject(new AgentArchiveError(`the archive is not a readable tar: ${error.message}`)),
    );
  });
  Readable.from([archive]).pipe(reader);
  await done;
  if (files.length === 0) throw new AgentArchiveError("the archive holds no files");
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return files;
}

/** How the code's dependencies are installed at deploy, from the files it ships. */
export function installCommands(files: readonly TemplateFile[]): string[] {
  const has = (name: string) => files.some((file) => file.path === posix.join(AGENT_DIR, name));
  const commands: string[] = [];
  const npmFlags = "--no-audit --no-fund --omit=dev";
  // npm's cache and logs go to /tmp: the code's directory holds only the code and node_modules.
  const npmEnv = "npm_config_cache=/tmp/npm-cache npm_config_update_notifier=false";
  if (has("package-lock.json")) commands.push(`${npmEnv} npm ci ${npmFlags}`);
  else if (has("package.json")) commands.push(`${npmEnv} npm install ${npmFlags}`);
  if (has("requirements.txt")) commands.push("pip install --no-cache-dir -r requirements.txt");
  return commands;
}
