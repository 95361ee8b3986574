// `sandcaster agents`: custom agents on a server (through @sandcaster/sdk) — deploy a directory,
// list, show, invoke, build logs, secrets, rollback, delete.
import type { SandcasterClient } from "@sandcaster/sdk";
import { EXIT, UsageError } from "../exit-codes.js";
import { intFlag, parseFlags } from "../parse-flags.js";
import { didYouMean } from "../terminal/did-you-mean.js";
import { safeJson, safeLine, safeText } from "../terminal/safe-text.js";
import { confirm } from "./agents-confirm.js";
import { deployAgentCommand } from "./agents-deploy.js";
import { invokeAgentCommand } from "./agents-invoke.js";
import { readSecretValue } from "./agents-secret-value.js";
import { agentDetails, agentTable } from "./agents-table.js";

const HELP = `usage: sandcaster agents deploy <dir> [--no-wait] [--timeout SECS]
       sandcaster agents list
       sandcaster agents show <name>
       sandcaster agents invoke <name> "<prompt>" [--timeout SECS]   (no prompt: read from stdin)
       sandcaster agents logs <name> [--version N]
       sandcaster agents secrets set <name> <KEY> [--value-stdin]
       sandcaster agents secrets list <name>
       sandcaster agents secrets delete <name> <KEY>
       sandcaster agents rollback <name> <version>
       sandcaster agents delete <name> [--yes]

A custom agent is your own program, run once per request in a fresh sandbox: the prompt arrives
on stdin (closed after it), its stdout is the answer. \`deploy\` reads <dir>/sandcaster-agent.json
({"name", "entrypoint": "node index.js", "limits"?, "secrets"?: ["KEY"]}), uploads the directory
(node_modules and .git left out: the server installs the dependencies of package.json/lockfile or
requirements.txt) and waits until the new version is active (or failed: its build log tail).

A secret's value is read from stdin or typed at a prompt that does not echo, never from the
command line (where the process list shows it). \`invoke\` exits with the agent's exit code.

  --url URL       the server (default SANDCASTER_URL; SANDCASTER_API_KEY is its key)
  --timeout SECS  invoke: the run's limit (at most the manifest's); deploy: how long to wait
  --no-wait       deploy: return once the upload is accepted (status building)
  --version N     logs: that version's build log (default: the newest)
  --value-stdin   secrets set: read the value from stdin even on a terminal
  --yes, -y       delete without asking
  --json          the raw JSON (invoke: one event per line)

Exit codes: 0 ok, 1 failed (a build, the server, or the agent: then its own code), 2 usage error.`;

const ACTIONS = ["deploy", "list", "show", "invoke", "logs", "secrets", "rollback", "delete"];
/** The positional arguments each action takes: [required, optional]. */
const ARITY: Record<string, [number, number]> = {
  deploy: [1, 0],
  list: [0, 0],
  show: [1, 0],
  invoke: [1, 1],
  logs: [1, 0],
  rollback: [2, 0],
  delete: [1, 0],
};

function usage(message: string): UsageError {
  return new UsageError(message, "agents");
}

async function readPrompt(given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  if (process.stdin.isTTY) throw usage('invoke needs a prompt: agents invoke <name> "<prompt>"');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

export async function agentsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags("agents", argv, {
    url: { type: "string" },
    json: { type: "boolean" },
    timeout: { type: "string" },
    "no-wait": { type: "boolean" },
    version: { type: "string" },
    "value-stdin": { type: "boolean" },
    yes: { type: "boolean", short: "y" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const [action = "list", ...args] = positionals;
  if (!ACTIONS.includes(action))
    throw usage(`unknown action "${action}"${didYouMean(action, ACTIONS)}`);
  const sub = action === "secrets" ? args[0] : undefined;
  const subArgs = action === "secrets" ? args.slice(1) : args;
  if (action === "secrets") {
    const want: Record<string, number> = { set: 2, list: 1, delete: 2 };
    const count = sub === undefined ? undefined : want[sub];
    if (count === undefined) throw usage("agents secrets: expected set, list or delete");
    if (subArgs.length !== count)
      throw usage(`agents secrets ${sub} takes ${count === 1 ? "<name>" : "<name> <KEY>"}`);
  } else {
    const [required, optional] = ARITY[action] ?? [0, 0];
    if (subArgs.length < required || subArgs.length > required + optional)
      throw usage(`agents ${action}: expected ${required} argument(s), got ${subArgs.length}`);
  }
  const url = values.url ?? process.env.SANDCASTER_URL;
  if (!url)
    throw usage("agents live on a server: pass --url or set SANDCASTER_URL (sandcaster serve)");
  const timeout = intFlag("agents", "timeout", values.timeout, { min: 1, max: 3600 });
  const version = intFlag("agents", "version", values.version, { min: 1, max: 1_000_000 });

  const { serverClient, explainServerError } = await import("../remote/server-client.js");
  const client = serverClient(url, process.env);
  const print = (value: unknown) => console.log(safeJson(value, values.json ? 0 : 2));
  const [name = "", second] = subArgs;
  try {
    switch (action) {
      case "deploy":
        return await deployAgentCommand(client, name, {
          wait: !values["no-wait"],
          timeoutSecs: timeout ?? 900,
          json: values.json === true,
        });
      case "list": {
        const agents = await client.agents.list();
        console.log(values.json ? safeJson(agents) : agentTable(agents));
        return EXIT.ok;
      }
      case "show": {
        const agent = await client.agents.get(name);
        console.log(values.json ? safeJson(agent) : agentDetails(agent));
        return EXIT.ok;
      }
      case "invoke":
        return await invokeAgentCommand(client, name, {
          url,
          prompt: await readPrompt(second),
          timeout,
          json: values.json === true,
        });
      case "logs": {
        const logs = await client.agents.logs(name, { version });
        if (values.json) print(logs);
        else {
          for (const line of logs.lines) process.stdout.write(`${safeText(line)}\n`);
          process.stderr.write(`${safeLine(`(v${logs.version}: ${logs.status})`)}\n`);
        }
        return EXIT.ok;
      }
      case "secrets":
        return await secretsAction(client, sub ?? "", subArgs, values);
      case "rollback": {
        const to = intFlag("agents", "version", second, { min: 1, max: 1_000_000 }) ?? 0;
        const agent = await client.agents.rollback(name, to);
        if (values.json) print(agent);
        else console.log(safeLine(`${name}: invocations now use v${agent.activeVersion ?? to}`));
        return EXIT.ok;
      }
      default: {
        if (!values.yes && !(await confirm(`delete agent ${name}, its versions and secrets?`)))
          return EXIT.failed;
        await client.agents.delete(name);
        if (!values.json) console.log(safeLine(`deleted ${name}`));
        return EXIT.ok;
      }
    }
  } catch (error) {
    throw explainServerError(error, url, "agents");
  }
}

async function secretsAction(
  client: SandcasterClient,
  sub: string,
  [name = "", key = ""]: string[],
  values: { json?: boolean | undefined; "value-stdin"?: boolean | undefined },
): Promise<number> {
  if (sub === "list") {
    const list = await client.agents.secrets.list(name);
    if (values.json) console.log(safeJson(list));
    else if (list.secrets.length === 0) console.log(`${safeLine(name)} has no secrets set`);
    else for (const s of list.secrets) console.log(safeLine(`${s.name}  set ${s.updatedAt}`));
    return EXIT.ok;
  }
  if (sub === "delete") {
    await client.agents.secrets.delete(name, key);
    console.log(safeLine(`deleted ${key} of ${name}`));
    return EXIT.ok;
  }
  const value = await readSecretValue(key, values["value-stdin"] === true);
  await client.agents.secrets.set(name, key, value);
  console.log(safeLine(`set ${key} for ${name} (the agent gets it in its environment)`));
  return EXIT.ok;
}
