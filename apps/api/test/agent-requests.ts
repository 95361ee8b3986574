// HTTP helpers of the agents tests: JSON calls, an agent's code as the base64 tar POST /agents
// takes (the example's directory, or a few files written to a temp dir), a version's build log.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { AgentInfo, AgentInvokeResult } from "@sandcaster/protocol";

const run = promisify(execFile);
const EXAMPLE = fileURLToPath(new URL("../../../examples/echo-agent", import.meta.url));

export async function call(url: string, method: string, path: string, body?: unknown) {
  return fetch(new URL(path, url), {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** The example's code as the CLI would send it: a tar of the directory, deps/ and node_modules out. */
export async function exampleArchive(): Promise<string> {
  const { stdout } = await run(
    "tar",
    ["-C", EXAMPLE, "--exclude=./deps", "--exclude=./node_modules", "-cf", "-", "."],
    { encoding: "buffer", maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout.toString("base64");
}

/** A tar (base64) of these files, made in a temp dir that is removed after. */
export async function archiveOf(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sandcaster-agent-code-"));
  try {
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
    const { stdout } = await run("tar", ["-C", dir, "-cf", "-", "."], {
      encoding: "buffer",
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout.toString("base64");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function deploy(url: string, manifest: Record<string, unknown>, archive: string) {
  const response = await call(url, "POST", "/agents", { manifest, archive });
  if (response.status !== 202)
    throw new Error(`deploy: ${response.status} ${await response.text()}`);
  return (await response.json()) as AgentInfo;
}

export async function getAgent(url: string, name: string) {
  return (await (await call(url, "GET", `/agents/${name}`)).json()) as AgentInfo;
}

export async function invokeWait(url: string, name: string, body: Record<string, unknown>) {
  const response = await call(url, "POST", `/agents/${name}/invoke?wait=true`, body);
  if (response.status !== 200)
    throw new Error(`invoke: ${response.status} ${await response.text()}`);
  return (await response.json()) as AgentInvokeResult;
}
