// JSDoc types of what the page receives: the shapes of @sandcaster/protocol's events and run records.

/**
 * @typedef {{ inputTokens: number, outputTokens: number, cacheReadTokens: number, cacheWriteTokens: number }} Usage
 *
 * One SSE `data:` of a run; fields are those of the event's `type` (see GET /openapi.json).
 * @typedef {{
 *   type: string,
 *   subtype?: string,
 *   content: string,
 *   runId?: string,
 *   model?: string,
 *   provider?: string,
 *   sandboxProvider?: string,
 *   toolName?: string,
 *   toolUseId?: string,
 *   isError?: boolean,
 *   sandbox?: string,
 *   stream?: "stdout" | "stderr",
 *   path?: string,
 *   encoding?: "utf8" | "base64",
 *   costUsd?: number,
 *   numTurns?: number,
 *   durationSecs?: number,
 *   usage?: Usage,
 *   structuredOutput?: unknown,
 *   code?: string,
 *   hint?: string,
 *   branchId?: string,
 *   agent?: string,
 *   branchIndex?: number,
 *   totalBranches?: number,
 *   prompt?: string,
 *   status?: string,
 *   reason?: string,
 *   scores?: Record<string, number>,
 *   alternatives?: string[],
 *   level?: number,
 *   successCount?: number,
 *   totalCostUsd?: number,
 *   judgeCostUsd?: number,
 *   evaluator?: string,
 *   winnerId?: string,
 *   index?: number,
 *   command?: string,
 *   exitCode?: number | null,
 *   timedOut?: boolean,
 * }} RunEvent
 *
 * @typedef {{
 *   id: string,
 *   status: "queued" | "running" | "completed" | "error" | "cancelled",
 *   prompt: string,
 *   model?: string,
 *   provider?: string,
 *   sandboxProvider?: string,
 *   startedAt: string,
 *   endedAt?: string,
 *   durationSecs?: number,
 *   numTurns?: number,
 *   costUsd?: number,
 *   usage?: Usage,
 *   error?: string,
 *   errorCode?: string,
 *   filesCount: number,
 *   metadata?: Record<string, string>,
 *   kind?: "pipeline" | "agent",
 *   sessionId?: string,
 * }} RunRecord
 */

export {};
