// `sandcaster completion bash|zsh|fish`: prints the shell's completion script for sandcaster.
import { UsageError } from "../exit-codes.js";
import { parseFlags } from "../parse-flags.js";

const HELP = `usage: sandcaster completion bash|zsh|fish

Prints a completion script: commands, actions, flags and the values of flags such as --sandbox,
--status, --provider. Load it in your shell's startup file:

  bash (~/.bashrc):  eval "$(sandcaster completion bash)"
  zsh  (~/.zshrc):   eval "$(sandcaster completion zsh)"
  fish:              sandcaster completion fish > ~/.config/fish/completions/sandcaster.fish`;

export async function completionCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags("completion", argv, {
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [shell, ...extra] = positionals;
  if (extra.length > 0 || (shell !== "bash" && shell !== "zsh" && shell !== "fish"))
    throw new UsageError("name the shell: bash, zsh or fish", "completion");
  if (shell === "fish") {
    process.stdout.write((await import("../completion/fish-script.js")).fishCompletion());
    return 0;
  }
  const { bashCompletion, zshCompletion } = await import("../completion/bash-script.js");
  process.stdout.write(shell === "bash" ? bashCompletion() : zshCompletion());
  return 0;
}
