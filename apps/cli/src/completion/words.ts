// What a shell completes after `sandcaster`: the commands, their actions and flags, and the values
// of flags that take a closed set. Kept beside the commands' help texts: a test checks that every
// flag named here is one the command's --help documents.
import {
  MODEL_PROVIDERS,
  RUN_STATUSES,
  SANDBOX_PROVIDERS,
  SESSION_STATUSES,
  THINKING_LEVELS,
} from "@sandcaster/protocol";
import { STARTERS } from "../init/starters.js";
import { projectStarters } from "../starters/catalog.js";

export interface CommandWords {
  /** Words completed right after the command (actions, starters). */
  actions: readonly string[];
  flags: readonly string[];
}

const RUN_FLAGS = ["--sandbox", "--session", "--timeout", "--json", "--url", "--config"];

export const COMMAND_WORDS: Record<string, CommandWords> = {
  query: {
    actions: [],
    flags: [
      ...RUN_FLAGS,
      "--model",
      "--provider",
      "--file",
      "--max-turns",
      "--thinking-level",
      "--system-prompt",
      "--thinking",
      "--out",
      "--verbose",
    ],
  },
  run: { actions: [], flags: [...RUN_FLAGS, "--in-place"] },
  runs: {
    actions: ["show", "tail"],
    flags: [
      "--status",
      "--limit",
      "--cursor",
      "--all",
      "--after",
      "--thinking",
      "--verbose",
      "--out",
      "--json",
      "--url",
      "--config",
    ],
  },
  sessions: {
    actions: ["list", "create", "show", "delete"],
    flags: [
      "--status",
      "--limit",
      "--name",
      "--sandbox",
      "--idle",
      "--max-history",
      "--all",
      "--json",
      "--url",
      "--config",
    ],
  },
  agents: {
    actions: ["deploy", "list", "show", "invoke", "logs", "secrets", "rollback", "delete"],
    flags: ["--url", "--json", "--timeout", "--no-wait", "--version", "--value-stdin", "--yes"],
  },
  serve: { actions: [], flags: ["--host", "--port", "--config", "--grace"] },
  init: {
    actions: [...Object.keys(STARTERS), ...projectStarters().map((p) => p.name)],
    flags: ["--dir", "--force", "--list"],
  },
  doctor: { actions: [], flags: ["--json", "--config", "--timeout"] },
  image: { actions: ["build"], flags: ["--tag"] },
  e2b: { actions: ["webhook"], flags: ["--url", "--name"] },
  completion: { actions: ["bash", "zsh", "fish"], flags: [] },
  help: { actions: [], flags: [] },
};

/** Values of flags that take one of a few words. */
export const FLAG_VALUES: Record<string, readonly string[]> = {
  "--sandbox": SANDBOX_PROVIDERS,
  "--provider": MODEL_PROVIDERS,
  "--thinking-level": THINKING_LEVELS,
  "--model": ["sonnet", "opus", "haiku", "gpt5", "gpt5-mini", "gemini", "gemini-flash"],
};

/** `--status` depends on the command: runs and sessions have different ones. */
export const STATUS_VALUES: Record<string, readonly string[]> = {
  runs: RUN_STATUSES,
  sessions: SESSION_STATUSES,
};
