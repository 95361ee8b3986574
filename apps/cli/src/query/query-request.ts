// Builds and checks the /query request from `sandcaster query`'s flags, before anything runs.
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import {
  fieldIssues,
  normaliseRelativePath,
  type QueryRequest,
  type QueryRequestInput,
  QueryRequestSchema,
} from "@sandcaster/protocol";
import { UsageError } from "../exit-codes.js";

export interface QueryFlags {
  prompt: string;
  model?: string | undefined;
  provider?: string | undefined;
  sandbox?: string | undefined;
  files?: string[] | undefined;
  timeout?: string | undefined;
  maxTurns?: string | undefined;
  thinkingLevel?: string | undefined;
  systemPrompt?: string | undefined;
  sessionId?: string | undefined;
}

type RequestFile = string | { content: string; encoding: "base64" };

/** Text files go as text; anything that is not valid UTF-8 as base64, byte for byte. */
async function readRequestFile(path: string): Promise<RequestFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new UsageError(`--file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  const text = bytes.toString("utf8");
  return Buffer.from(text, "utf8").equals(bytes)
    ? text
    : { content: bytes.toString("base64"), encoding: "base64" };
}

/** Where a --file lands in the workspace: its relative path, else (absolute, ../) its name. */
function workspacePath(path: string): string {
  const relative = normaliseRelativePath(path);
  return "path" in relative ? relative.path : basename(path);
}

const numberOrText = (text: string | undefined) =>
  text === undefined ? undefined : Number.isNaN(Number(text)) ? text : Number(text);

export async function buildQueryRequest(
  flags: QueryFlags,
): Promise<{ input: QueryRequestInput; request: QueryRequest }> {
  const files: Record<string, RequestFile> = {};
  for (const path of flags.files ?? []) files[workspacePath(path)] = await readRequestFile(path);
  const fields: Record<string, unknown> = {
    prompt: flags.prompt,
    model: flags.model,
    provider: flags.provider,
    sandboxProvider: flags.sandbox,
    files: flags.files ? files : undefined,
    sessionId: flags.sessionId,
    timeout: numberOrText(flags.timeout),
    maxTurns: numberOrText(flags.maxTurns),
    thinkingLevel: flags.thinkingLevel,
    systemPrompt: flags.systemPrompt,
  };
  const input = Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  ) as QueryRequestInput;
  const parsed = QueryRequestSchema.safeParse(input);
  if (!parsed.success) throw new UsageError(describeFlagIssues(parsed.error), "query");
  return { input, request: parsed.data };
}

/** Request fields as the flags a person typed. */
const FLAG_OF: Record<string, string> = {
  prompt: "the prompt",
  model: "--model",
  provider: "--provider",
  sandboxProvider: "--sandbox",
  timeout: "--timeout",
  maxTurns: "--max-turns",
  thinkingLevel: "--thinking-level",
  systemPrompt: "--system-prompt",
  files: "--file",
};

function describeFlagIssues(error: Parameters<typeof fieldIssues>[0]): string {
  return fieldIssues(error)
    .map(({ field, message }) => {
      const [head = "", ...rest] = field.split(".");
      const flag = FLAG_OF[head] ?? head;
      return `${flag}${rest.length ? ` ${rest.join(".")}` : ""}: ${message}`;
    })
    .join("; ");
}
