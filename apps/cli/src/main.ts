#!/usr/bin/env node
// The sandcaster command: dispatches to a command; errors become one clear line and an exit code.
import { loadDotEnv } from "./env-file.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { watchOutput } from "./terminal/closed-output.js";
import { didYouMean } from "./terminal/did-you-mean.js";
import { safeText } from "./terminal/safe-text.js";
import { VERSION } from "./version.js";

type Command = (argv: string[]) => Promise<number>;

// Loaded on demand: the server, the SDKs and Docker's client cost a second to import, and
// `init` or `--help` need none of them.
const COMMANDS: Record<string, () => Promise<Command>> = {
  query: async () => (await import("./commands/query.js")).queryCommand,
  run: async () => (await import("./commands/run.js")).runCommand,
  runs: async () => (await import("./commands/runs.js")).runsCommand,
  sessions: async () => (await import("./commands/sessions.js")).sessionsCommand,
  agents: async () => (await import("./commands/agents.js")).agentsCommand,
  serve: async () => (await import("./commands/serve.js")).serveCommand,
  init: async () => (await import("./commands/init.js")).initCommand,
  doctor: async () => (await import("./commands/doctor.js")).doctorCommand,
  image: async () => (await import("./commands/image.js")).imageCommand,
  completion: async () => (await import("./commands/completion.js")).completionCommand,
  e2b: async () => {
    const { e2bCommand } = await import("./commands/e2b.js");
    return (argv) => e2bCommand(argv);
  },
};

const USAGE = `sandcaster ${VERSION} — run a coding agent in a fresh sandbox, stream what it does

usage: sandcaster <command> [options]

  query "<prompt>"   run one prompt and show it live (in-process, or on a server with --url)
  run <pipeline.md>  run a markdown pipeline's bash blocks as steps; results written back
  runs               recorded runs as a table; runs show <id>; runs tail <id> (follow a run)
  sessions           sessions (workspace + conversation across queries): list, create, show, delete
  agents             custom agents on a server: deploy <dir>, list, show, invoke, logs, secrets, rollback, delete
  serve              the HTTP server (POST /query, GET /runs, /runs/:id/events, …)
  init [starter]     a commented sandcaster.json + .env.example, or an example project (init --list)
  doctor             check this machine: node, sandboxes, model keys, E2B, the run store
  image build        build the Docker sandbox image
  e2b webhook …      manage E2B lifecycle webhooks (register | list | delete)
  completion bash|zsh  print a shell completion script (eval "$(sandcaster completion bash)")

Start here:  sandcaster init && sandcaster doctor && sandcaster query "Write hello.py and run it"
Run \`sandcaster <command> --help\` for a command's options.
Exit codes: 0 ok, 1 failed (run, check or server), 2 usage error, 130 cancelled with Ctrl-C.`;

/** The exit code an error deserves; usage mistakes also get a pointer to --help. */
function report(error: unknown): number {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UsageError) {
    const command = error.command ? ` ${error.command}` : "";
    process.stderr.write(
      `sandcaster${command}: ${message}\nRun \`sandcaster${command} --help\` for usage.\n`,
    );
    return EXIT.usage;
  }
  // Server and sandbox text can reach an error message: it must not drive the terminal.
  process.stderr.write(`sandcaster: ${safeText(message)}\n`);
  return EXIT.failed;
}

async function main(argv: string[]): Promise<number> {
  // SANDCASTER_NO_DOTENV=1 skips it (a script that wants only its own environment).
  if (!process.env.SANDCASTER_NO_DOTENV) loadDotEnv();
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-v") {
    console.log(VERSION);
    return EXIT.ok;
  }
  // `sandcaster help query` is `sandcaster query --help`.
  if (name === "help" && rest[0] && COMMANDS[rest[0]]) return main([rest[0], "--help"]);
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(USAGE);
    return EXIT.ok;
  }
  const load = COMMANDS[name];
  if (!load)
    throw new UsageError(`unknown command "${name}"${didYouMean(name, Object.keys(COMMANDS))}`);
  return (await load())(rest);
}

// Until main settles: a command whose promise is left hanging when the event loop drains must
// not look like a success.
process.exitCode = EXIT.failed;
watchOutput();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = report(error);
  },
);
