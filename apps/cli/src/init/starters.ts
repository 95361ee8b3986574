// The files `sandcaster init` writes: a commented sandcaster.json and .env.example per starter.
import { DOCKER_REST, LOCAL_REST, reference } from "./reference.js";

export interface Starter {
  summary: string;
  config: string;
  env: string;
}

const HEADER = `// sandcaster.json — defaults for every run; a request's own fields win.
// Comments and trailing commas are allowed. Unknown keys stop the server with their path named.
// Check this machine with \`sandcaster doctor\`; try a run with \`sandcaster query "…"\`.`;

const MODEL = (
  model: string,
  provider?: string,
) => `  // Model id or alias: sonnet, opus, haiku (Anthropic), gpt5, gpt5-mini (OpenAI), gemini,
  // gemini-flash (Google), or "vendor/model" (OpenRouter).${
    provider
      ? ""
      : `
  // The provider follows from the name; add "provider" to choose one explicitly.`
  }
${provider ? `  "provider": "${provider}",\n` : ""}  "model": "${model}",
  // Model calls before a run stops (its result then says error_max_turns).
  "maxTurns": 50,
  // Seconds for the whole run, 5..3600.
  "timeout": 300,
  // How hard the model thinks first: none | low | medium | high.
  // "thinkingLevel": "low",`;

const SANDBOX = (
  name: string,
) => `  // Where runs execute: "local" (this host, under bubblewrap), "docker" or "e2b". Without it:
  // e2b when E2B_API_KEY is set, else docker when a daemon answers, else local.
  "sandboxProvider": "${name}",`;

const LOCAL = `  "local": {
    // "auto": bubblewrap when it works, else unisolated with a loud warning;
    // "bwrap": refuse to run without it (apt-get install bubblewrap); "none": never isolate.
    "isolation": "auto",
${LOCAL_REST}
  },`;

const DOCKER = `  "docker": {
    // Needs node on PATH, uid 1000 and /workspace: \`sandcaster image build\` makes it.
    "image": "sandcaster-sandbox:latest",
    "memoryMb": 2048,
    "cpus": 2,
    "pidsLimit": 512,
    // "bridge" (internet access), "none" (no network) or "host".
    "network": "bridge",
    // Daemon socket or URL; default DOCKER_HOST, then /var/run/docker.sock.
    // "socketPath": "unix:///var/run/docker.sock",
${DOCKER_REST}
  },`;

const E2B = `  "e2b": {
    // Sandbox template (needs node on PATH); SANDCASTER_E2B_TEMPLATE overrides it.
    "template": "base",
    // How often sandboxes of runs that no longer run are looked for and killed.
    "sweepIntervalSecs": 300,
  },`;

const COMMON = `  // Files the run created or changed come back as \`file\` events, within these limits.
  "artifacts": { "maxFileBytes": 1048576, "maxTotalBytes": 10485760, "maxFiles": 100 },
  // Run history. SANDCASTER_DB overrides the path; DATABASE_URL=postgres://… uses PostgreSQL.
  "store": { "path": ".sandcaster/sandcaster.db" },
  // When serving: runs at once, then a bounded queue; beyond it POST /query answers 429.
  // bodyLimitBytes: the largest POST /query body.
  "limits": { "maxConcurrentRuns": 20, "maxQueuedRuns": 50, "queueTimeoutSecs": 30, "bodyLimitBytes": 16777216 },`;

/** Where @sandcaster/cli ships the JSON Schema of this file (made from the loader's own rules). */
export const SCHEMA_PATH = "./node_modules/@sandcaster/cli/dist/sandcaster.schema.json";

const SCHEMA = `  // Editors complete and check this file with the schema @sandcaster/cli ships
  // (npm install --save-dev @sandcaster/cli puts it at this path).
  "$schema": "${SCHEMA_PATH}",`;

const config = (...sections: string[]) => `${HEADER}\n{\n${[SCHEMA, ...sections].join("\n")}\n}\n`;

const ENV_HEAD = `# Copy to .env and fill in: sandcaster reads ./.env from the directory it runs in (a variable
# already set in the environment wins over the file). Only the key of the provider a run uses is
# needed. Never commit .env.`;

const KEYS = (first: string) =>
  ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GOOGLE_API_KEY", "OPENROUTER_API_KEY"]
    .sort((a, b) => Number(b === first) - Number(a === first))
    .map((name) => (name === first ? `${name}=` : `# ${name}=`))
    .join("\n")
    .replace("# GOOGLE_API_KEY=", "# GOOGLE_API_KEY=        (or GEMINI_API_KEY)");

const ENV_SERVER = `# Serving: every route but /health and /ready then needs "Authorization: Bearer <key>".
# SANDCASTER_API_KEY=
# Run history in PostgreSQL (needed for many instances behind a load balancer):
# DATABASE_URL=postgres://user:password@localhost:5432/sandcaster`;

const env = (...sections: string[]) => `${[ENV_HEAD, ...sections, ENV_SERVER].join("\n\n")}\n`;

export const STARTERS: Record<string, Starter> = {
  minimal: {
    summary: "Anthropic model, local sandbox (bubblewrap)",
    config: config(MODEL("sonnet"), SANDBOX("local"), LOCAL, COMMON, reference([DOCKER, E2B])),
    env: env(KEYS("ANTHROPIC_API_KEY")),
  },
  docker: {
    summary: "Anthropic model, one Docker container per run",
    config: config(MODEL("sonnet"), SANDBOX("docker"), DOCKER, COMMON, reference([LOCAL, E2B])),
    env: env(
      KEYS("ANTHROPIC_API_KEY"),
      "# The Docker daemon, when not the default socket:\n# DOCKER_HOST=unix:///var/run/docker.sock",
    ),
  },
  e2b: {
    summary: "Anthropic model, E2B cloud sandboxes",
    config: config(MODEL("sonnet"), SANDBOX("e2b"), E2B, COMMON, reference([LOCAL, DOCKER])),
    env: env(
      KEYS("ANTHROPIC_API_KEY"),
      `# E2B (https://e2b.dev): the key never enters a sandbox.
E2B_API_KEY=
# E2B_DOMAIN=            a self-hosted or regional E2B
# E2B_API_URL=
# Lifecycle webhook secret (then: sandcaster e2b webhook register --url …):
# SANDCASTER_E2B_WEBHOOK_SECRET=`,
    ),
  },
  openai: {
    summary: "OpenAI model (or any OpenAI-compatible server), local sandbox",
    config: config(
      MODEL("gpt5", "openai"),
      SANDBOX("local"),
      LOCAL,
      COMMON,
      reference([DOCKER, E2B]),
    ),
    env: env(
      KEYS("OPENAI_API_KEY"),
      "# An OpenAI-compatible server instead (Ollama, vLLM); the key is then optional:\n# OPENAI_BASE_URL=http://localhost:11434/v1",
    ),
  },
};

export const DEFAULT_STARTER = "minimal";
