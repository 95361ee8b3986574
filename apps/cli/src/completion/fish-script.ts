// The completion script for fish: one `complete` line per command, action, flag and flag value,
// written from the same word lists as the bash script (fish has its own model, not bash's).
import { COMMAND_WORDS, FLAG_VALUES, STATUS_VALUES } from "./words.js";

/** Flags whose value is a path: fish's file completion. */
const PATH_FLAGS = new Set(["--file", "--out", "--config", "--dir"]);
/** Flags that take no value; every other flag expects one. */
const SWITCHES = new Set(["--json", "--all", "--thinking", "--verbose", "--in-place", "--force"]);

/** A word list quoted for fish (the words are ours: letters, digits, dashes and dots). */
const quoted = (list: readonly string[]) => `'${list.join(" ")}'`;

function flagLine(command: string, flag: string): string {
  const name = flag.slice(2);
  const when = `-n '__fish_seen_subcommand_from ${command}'`;
  if (SWITCHES.has(flag)) return `complete -c sandcaster ${when} -l ${name}`;
  if (PATH_FLAGS.has(flag)) return `complete -c sandcaster ${when} -l ${name} -r -F`;
  const values = flag === "--status" ? STATUS_VALUES[command] : FLAG_VALUES[flag];
  const choices = values ? ` -a ${quoted(values)}` : "";
  return `complete -c sandcaster ${when} -l ${name} -x${choices}`;
}

export function fishCompletion(): string {
  const commands = Object.keys(COMMAND_WORDS);
  const lines = [
    `# sandcaster completion (fish). Load it: sandcaster completion fish | source`,
    `# (or save it as ~/.config/fish/completions/sandcaster.fish)`,
    "complete -c sandcaster -f",
    `complete -c sandcaster -n __fish_use_subcommand -a ${quoted(commands)}`,
    "complete -c sandcaster -n __fish_use_subcommand -l help -l version",
  ];
  for (const [command, { actions, flags }] of Object.entries(COMMAND_WORDS)) {
    const words = command === "help" ? commands : actions;
    // Actions only right after the command: `sandcaster runs <TAB>`, not after an id.
    const atAction = `'__fish_seen_subcommand_from ${command}; and test (count (commandline -opc)) -eq 2'`;
    if (words.length > 0) lines.push(`complete -c sandcaster -n ${atAction} -a ${quoted(words)}`);
    for (const flag of [...flags, "--help"]) lines.push(flagLine(command, flag));
  }
  // `sandcaster run <file.md>`: the document is a path.
  lines.push("complete -c sandcaster -n '__fish_seen_subcommand_from run' -F");
  return `${lines.join("\n")}\n`;
}
