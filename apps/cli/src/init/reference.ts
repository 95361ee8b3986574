// The rest of sandcaster.json, commented out under a starter's own settings, so that `init`
// explains every field the loader accepts (a test walks the JSON Schema to hold it to that).

/** Puts `// ` before every line that is not a comment already (a setting to switch on). */
export function commentedOut(block: string): string {
  return block
    .split("\n")
    .map((line) => (line.trimStart().startsWith("//") ? line : line.replace(/^( *)/, "$1// ")))
    .join("\n");
}

const POOL = (
  indent: string,
) => `${indent}// Sandboxes created ahead of demand (serve only); each serves one run, then is destroyed.
${indent}// "pool": { "size": 4, "maxAgeSecs": 900 },`;

export const LOCAL_REST = `    // Host user bubblewrap runs as when the server is root (never host root in a sandbox).
    // "sandboxUser": "nobody",
    // Workspace size cap in MB (a loop-mounted filesystem when the server is root).
    // "diskMb": 4096,
    // "none": its own empty network namespace; "host" shares this host's network (unsafe).
    // "network": "none",
    // Cold runs boot from a startup snapshot of the runner the server builds (SANDCASTER_RUNNER_SNAPSHOT=1).
    // "runnerSnapshot": false,
${POOL("    ")}`;

export const DOCKER_REST = `    // /workspace in MB (/tmp gets a quarter); both are in memory: keep them below memoryMb.
    // "diskMb": 1024,
${POOL("    ")}`;

const RUN_DEFAULTS = `  // Replaces the agent's default system prompt.
  // "systemPrompt": "You are a careful engineer.",
  // Tools the agent may use (names or aliases: bash, read, write, edit, glob, grep); default all.
  // "allowedTools": ["bash", "read", "write"],
  // Makes the run's result JSON that matches this JSON Schema.
  // "outputFormat": { "type": "json_schema", "schema": { "type": "object" } },
  // Skills: folders <skillsDir>/<name>/SKILL.md; the agent reads one with read_skill when needed.
  // "skillsDir": "skills",
  // Sub-agents the agent can run to completion with its task tool (same sandbox, own prompt);
  // upstream's spellings "prompt" and "tools" are accepted for systemPrompt and allowedTools.
  // "agents": { "reviewer": { "description": "Reviews a change", "systemPrompt": "You review diffs.", "model": "haiku" } },
  // Speculative branching of every query (a request's "branching" overrides it field by field;
  // "enabled": false turns it off): "count" copies, or one per "branches" entry, run in parallel,
  // each in its own sandbox; trigger "always", "explicit" (a branch tool, up to maxBranches) or
  // "confidence" (below confidenceThreshold); an evaluator (llm-judge, schema, custom) picks one.
  // "branching": { "enabled": true, "count": 2, "trigger": "always", "confidenceThreshold": 0.5,
  //   "maxBranches": 3, "staggerDelayMs": 0, "evaluator": { "type": "custom", "prompt": "Prefer the smallest fix.", "model": "claude-haiku-4-5" } },
  // or per branch: "branching": { "branches": [{ "provider": "openai", "model": "gpt-5", "sandboxProvider": "docker" }] },
  // Sandbox images built once per spec on docker, from a local base image: packages, env,
  // files (utf8 or base64 content, mode), setup commands, workdir.
  // "templates": { "node-tools": { "base": { "docker": "sandcaster-sandbox:latest" },
  //   "packages": { "apt": ["jq"], "npm": ["typescript"], "pip": [] }, "env": { "CI": "1" },
  //   "files": [{ "path": "/etc/tool.conf", "content": "x=1", "encoding": "utf8", "mode": 420 }],
  //   "setup": ["npm --version"], "workdir": "/workspace" } },
  // Other bases: { "e2b": "base" } (built by E2B's template build API) and { "local": true } (the
  // host's tools plus an overlay bound read-only under /opt: no apt, files and workdir in /opt/<name>).
  // A warm pool per template name: requests with "template": "node-tools" start from it.
  // "templatePools": { "node-tools": { "size": 2, "maxAgeSecs": 900 } },
  // Warm sandboxes per deployed agent (POST /agents); SANDCASTER_AGENT_POOL_SIZE overrides size.
  // "agentPool": { "size": 1, "maxAgeSecs": 900 },`;

const SERVING = `  // Events of ended runs kept for replay (hours), and at most this many per run.
  // "events": { "retentionHours": 24, "maxPerRun": 20000 },
  // How often an instance stamps its runs alive; a run unstamped staleAfterSecs lost its server.
  // "runs": { "heartbeatSecs": 15, "staleAfterSecs": 60 },
  // Secondary sandboxes a run may spawn (spawn_sandbox): at once, in all, which providers, and
  // the bytes one transfer_files call may move.
  // "composite": { "maxSandboxes": 3, "maxTotalSpawns": 10, "allowedProviders": ["local"], "maxTransferBytes": 52428800 },
  // Ceiling on every run's spending; a request's "budget" may only lower it.
  // "budget": { "maxCostUsd": 5, "maxInputTokens": 2000000, "maxOutputTokens": 200000 },
  // Where remote (e2b) sandboxes reach this server's model gateway; required for e2b runs.
  // "gateway": { "publicUrl": "https://sandcaster.example.com/gateway" },
  // Egress of every run: "none", "allowlist" (the hosts in allow) or "open" (any public host).
  // Private and metadata addresses are refused unless listed exactly in allowAddresses.
  // "network": { "egress": "allowlist", "allow": ["registry.npmjs.org", "pypi.org"], "allowAddresses": [] },
  // Host names served while no API key is set, besides loopback (stops DNS rebinding).
  // "server": { "allowedHosts": ["sandcaster.internal"] },
  // Largest workspace archive PUT /sessions/:id/workspace accepts, in bytes.
  // "sessions": { "maxArchiveBytes": 1073741824 },
  // Browser origins allowed to call the API (CORS); off unless listed; ["*"] for any.
  // "cors": { "origins": ["https://app.example.com"] },
  // Traces go out when OTEL_EXPORTER_OTLP_ENDPOINT is set; recordContent also puts prompts,
  // answers and tool input/output on spans (off: traces usually leave the run's trust boundary).
  // "telemetry": { "recordContent": false },
  // A run-completion webhook: default target, which endings, the env var holding the whsec_
  // secret, addresses exempt from the SSRF refusal, and how deliveries are retried.
  // "webhook": { "url": "https://hooks.example.com/sandcaster", "events": ["run.completed", "run.failed", "run.cancelled"],
  //   "secretEnv": "SANDCASTER_WEBHOOK_SECRET", "allowAddresses": [], "maxAttempts": 5,
  //   "retryDelaysSecs": [5, 30, 120, 300], "timeoutSecs": 10, "sweepIntervalSecs": 15 },`;

/** Everything a starter leaves out, commented: `otherProviders` are the sandbox blocks it did not use. */
export function reference(otherProviders: string[]): string {
  return [
    "",
    "  // ─── Everything else, commented out: remove the // to use a setting. ───",
    RUN_DEFAULTS,
    ...otherProviders.map(commentedOut),
    SERVING,
  ].join("\n");
}
