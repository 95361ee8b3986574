// Public surface of the scripted sandbox: a SandboxProvider that replays runner output, no processes.
export {
  floodRunLines,
  heldRunLines,
  runnerLine,
  SCRIPTED_MODEL,
  type TypicalRunOptions,
  typicalRunLines,
} from "./runner-lines.js";
export {
  createScriptedSandboxProvider,
  type ScriptedLine,
  type ScriptedLines,
  type ScriptedSandboxOptions,
  type ScriptedSandboxProvider,
  type ScriptedSandboxStats,
  type ScriptedSpawnContext,
} from "./scripted-sandbox.js";
