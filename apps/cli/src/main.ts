#!/usr/bin/env node
// The sandcaster command: dispatches to serve, query, runs and image; errors become one clear line.
import { e2bCommand } from "./commands/e2b.js";
import { imageCommand } from "./commands/image.js";
import { queryCommand } from "./commands/query.js";
import { runsCommand } from "./commands/runs.js";
import { serveCommand } from "./commands/serve.js";
import { VERSION } from "./version.js";

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  serve: serveCommand,
  query: queryCommand,
  runs: runsCommand,
  image: imageCommand,
  e2b: (argv) => e2bCommand(argv),
};

const USAGE = `sandcaster ${VERSION}

usage: sandcaster <command> [options]

  serve     run the HTTP server (POST /query, GET /runs, GET /health)
  query     run one prompt and print the stream (in-process, or --url for a server)
  runs      list recorded runs, or show one
  image     build the Docker sandbox image
  e2b       manage E2B lifecycle webhooks (e2b webhook register|list|delete)

Run \`sandcaster <command> --help\` for the options of a command.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-v") {
    console.log(VERSION);
    return 0;
  }
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    console.log(USAGE);
    return name && name !== "--help" && name !== "-h" ? 2 : 0;
  }
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`sandcaster: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
