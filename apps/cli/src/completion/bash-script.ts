// The completion function for bash (zsh runs the same through bashcompinit): plain bash with the
// word lists written in, so a TAB costs no node start.
import { COMMAND_WORDS, FLAG_VALUES, STATUS_VALUES } from "./words.js";

/** Flags whose value is a path: the shell's file completion. */
const PATH_FLAGS = ["--file", "--out", "--config", "--dir"];

const words = (list: readonly string[]) => list.join(" ");

export function bashCompletion(): string {
  const commands = Object.keys(COMMAND_WORDS);
  const values = Object.entries(FLAG_VALUES)
    .map(([flag, list]) => `    ${flag}) reply="${words(list)}" ;;`)
    .join("\n");
  const statuses = Object.entries(STATUS_VALUES)
    .map(([command, list]) => `        ${command}) reply="${words(list)}" ;;`)
    .join("\n");
  const perCommand = Object.entries(COMMAND_WORDS)
    .map(
      ([command, { actions, flags }]) =>
        `    ${command}) actions="${words(command === "help" ? commands : actions)}"; flags="${words([...flags, "--help"])}" ;;`,
    )
    .join("\n");
  return `# sandcaster completion (bash). Load it: eval "$(sandcaster completion bash)" (e.g. in ~/.bashrc)
_sandcaster() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local cmd="\${COMP_WORDS[1]}" reply="" actions="" flags=""
  COMPREPLY=()
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${words(commands)} --help --version" -- "$cur"))
    return 0
  fi
  case "$prev" in
${values}
    --status)
      case "$cmd" in
${statuses}
      esac ;;
    ${PATH_FLAGS.join("|")}) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
  esac
  if [ -n "$reply" ]; then
    COMPREPLY=($(compgen -W "$reply" -- "$cur"))
    return 0
  fi
  case "$cmd" in
${perCommand}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  elif [ "$COMP_CWORD" -eq 2 ] && [ -n "$actions" ]; then
    COMPREPLY=($(compgen -W "$actions" -- "$cur"))
  elif [ "$cmd" = run ]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
  return 0
}
complete -F _sandcaster sandcaster
`;
}

export function zshCompletion(): string {
  return `#compdef sandcaster
# sandcaster completion (zsh), through zsh's bash-completion bridge.
# Load it: eval "$(sandcaster completion zsh)" (e.g. in ~/.zshrc, after compinit)
autoload -U +X bashcompinit && bashcompinit
${bashCompletion().split("\n").slice(1).join("\n")}`;
}
