// Where a command's run executes: on the server at --url / SANDCASTER_URL (through @sandcaster/sdk)
// or in this process (the whole server side, loaded only then). One starter for query and run.
import type { RunStream, SandcasterClient } from "@sandcaster/sdk";
import type { InProcessOptions } from "../local/in-process.js";
import type { RunView } from "../render/run-view.js";
import type { RunHandle } from "../run-types.js";
import type { RunStarter } from "./follow-run.js";

export interface RunTarget {
  command: string;
  url: string | undefined;
  configPath: string | undefined;
  env: NodeJS.ProcessEnv;
}

export interface RunKinds {
  /** The stream of the run on a server (client.query, client.pipelines.run); may look things up first. */
  remote(client: SandcasterClient): RunStream | Promise<RunStream>;
  /** The run in this process. */
  local(options: InProcessOptions): Promise<RunHandle>;
}

/** The starter followRun calls; the view says what it waits for meanwhile. */
export function runStarter(target: RunTarget, view: RunView, kinds: RunKinds): RunStarter {
  const { command, url, env } = target;
  if (url) {
    view.waiting(`connecting to ${url}`);
    return async () => {
      const [{ serverClient }, { remoteRun }] = await Promise.all([
        import("../remote/server-client.js"),
        import("../remote/remote-run.js"),
      ]);
      const client = serverClient(url, env);
      return remoteRun(client, await kinds.remote(client), { url, command });
    };
  }
  view.waiting("preparing");
  return async () => {
    const { createLogger } = await import("@sandcaster/api");
    const logger = createLogger({
      level: env.SANDCASTER_LOG_LEVEL ?? "error",
      destination: process.stderr,
    });
    return kinds.local({ configPath: target.configPath, env, logger });
  };
}
