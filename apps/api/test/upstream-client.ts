// A client of the upstream Sandcaster SDK's published contract, typed from its documented types
// (written here from those docs, not copied; none of our own types): every call its client offers,
// with what it reads. It keeps the upstream behaviour that matters to compatibility: a non-2xx
// answer throws `<status> <statusText>`, listRuns/listSessions read the body as an array, and
// streams yield only the event types the upstream SDK knows (others are dropped, as there).
import { EventSourceParserStream } from "eventsource-parser/stream";

export interface UpstreamQueryRequest {
  prompt: string;
  apiKeys?: { anthropic?: string; e2b?: string; openrouter?: string };
  model?: string;
  maxTurns?: number;
  timeout?: number;
  files?: Record<string, string>;
  allowedTools?: string[];
  provider?: "anthropic" | "vertex" | "bedrock" | "openrouter";
  thinkingLevel?: "none" | "low" | "medium" | "high";
  sandboxProvider?: "e2b" | "vercel" | "docker" | "cloudflare";
  outputFormat?: Record<string, unknown>;
  allowedSkills?: string[];
  extraSkills?: Record<string, string>;
  allowedAgents?: string[];
  extraAgents?: Record<string, unknown>;
  branching?: {
    enabled?: boolean;
    count?: number;
    maxBranches?: number;
    trigger?: "explicit" | "confidence" | "always";
    confidenceThreshold?: number;
    staggerDelayMs?: number;
    evaluator?: { type: "llm-judge" | "schema" | "custom"; prompt?: string; model?: string };
    branches?: { provider?: string; model?: string; sandboxProvider?: string }[];
  };
}

export interface UpstreamRun {
  id: string;
  prompt: string;
  model?: string;
  status: "running" | "completed" | "error";
  startedAt: string;
  costUsd?: number;
  numTurns?: number;
  durationSecs?: number;
  error?: string;
  filesCount: number;
}

export interface UpstreamSession {
  id: string;
  status: string;
  sandboxProvider: string;
  sandboxId: string | null;
  createdAt: string;
  lastActivityAt: string;
  idleTimeoutMs: number;
  runs: {
    id: string;
    prompt: string;
    startedAt: string;
    costUsd?: number;
    numTurns?: number;
    durationSecs?: number;
    status: "running" | "completed" | "error";
  }[];
  totalCostUsd: number;
  totalTurns: number;
  name?: string;
}

export interface UpstreamSessionRecord {
  id: string;
  status: string;
  sandboxProvider: string;
  sandboxId: string | null;
  createdAt: string;
  lastActivityAt: string;
  runsCount: number;
  totalCostUsd: number;
  totalTurns: number;
  name?: string;
}

export interface UpstreamSessionCreateRequest extends UpstreamQueryRequest {
  sessionConfig?: { idleTimeoutSecs?: number; name?: string; maxHistoryTurns?: number };
}

/** The upstream event union, loosely: its `type` names and the fields the tests read. */
export type UpstreamEvent =
  | { type: "system" | "assistant" | "thinking" | "stderr" | "warning"; content: string }
  | { type: "tool_use"; toolName: string; content: string }
  | { type: "tool_result"; toolName: string; content: string; isError: boolean }
  | { type: "file"; path: string; content: string }
  | { type: "result"; content: string; costUsd?: number; numTurns?: number; model?: string }
  | { type: "error"; content: string; code?: string }
  | { type: "session_created" | "session_expired"; sessionId: string; content: string }
  | { type: "session_command_result"; command: string; content: string; data?: unknown }
  | { type: "branch_request"; alternatives: string[]; reason?: string }
  | { type: "confidence_report"; level: number; reason: string }
  | {
      type: "branch_start";
      branchId: string;
      branchIndex: number;
      totalBranches: number;
      prompt: string;
    }
  | {
      type: "branch_progress";
      branchId: string;
      branchIndex: number;
      status: "running" | "completed" | "error";
      numTurns?: number;
      costUsd?: number;
    }
  | {
      type: "branch_complete";
      branchId: string;
      status: "success" | "error";
      costUsd?: number;
      numTurns?: number;
      content?: string;
    }
  | {
      type: "branch_selected";
      branchId: string;
      branchIndex: number;
      reason: string;
      scores?: Record<string, number>;
    }
  | {
      type: "branch_summary";
      totalBranches: number;
      successCount: number;
      totalCostUsd: number;
      evaluator: string;
      winnerId?: string;
    };

const KNOWN = new Set([
  "system",
  "assistant",
  "tool_use",
  "tool_result",
  "thinking",
  "file",
  "result",
  "stderr",
  "warning",
  "error",
  "session_created",
  "session_expired",
  "session_command_result",
  "branch_request",
  "confidence_report",
  "branch_start",
  "branch_progress",
  "branch_complete",
  "branch_selected",
  "branch_summary",
]);

async function* events(response: Response): AsyncGenerator<UpstreamEvent> {
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  if (!response.body) return;
  const reader = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      let parsed: { type?: unknown };
      try {
        parsed = JSON.parse(value.data) as { type?: unknown };
      } catch {
        continue;
      }
      if (typeof parsed.type === "string" && KNOWN.has(parsed.type)) yield parsed as UpstreamEvent;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

export function upstreamClient(baseUrl: string) {
  const url = (path: string) => new URL(path, baseUrl);
  const post = (path: string, body: unknown, signal?: AbortSignal) =>
    fetch(url(path), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
  async function json<T>(path: string, method = "GET"): Promise<T> {
    const response = await fetch(url(path), { method });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    return (await response.json()) as T;
  }
  return {
    health: () => json<{ status: string }>("/health"),
    query: async function* (request: UpstreamQueryRequest) {
      yield* events(await post("/query", request));
    },
    listRuns: () => json<UpstreamRun[]>("/runs"),
    createSession: async function* (request: UpstreamSessionCreateRequest) {
      yield* events(await post("/sessions", request));
    },
    sendSessionMessage: async function* (
      id: string,
      message: { prompt: string; files?: Record<string, string> },
    ) {
      yield* events(await post(`/sessions/${id}/messages`, message));
    },
    /** `onOpen` (test instrumentation, not upstream's): the server answered, the attach is in place. */
    attachSession: async function* (
      id: string,
      options: { signal?: AbortSignal; onOpen?: () => void } = {},
    ) {
      const response = await fetch(url(`/sessions/${id}/events`), {
        ...(options.signal ? { signal: options.signal } : {}),
      });
      options.onOpen?.();
      yield* events(response);
    },
    listSessions: () => json<UpstreamSessionRecord[]>("/sessions"),
    getSession: (id: string) => json<UpstreamSession>(`/sessions/${id}`),
    async deleteSession(id: string): Promise<void> {
      const response = await fetch(url(`/sessions/${id}`), { method: "DELETE" });
      if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    },
  };
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of iterable) all.push(item);
  return all;
}
