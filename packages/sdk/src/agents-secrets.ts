// client.agents.secrets: an agent's secrets, injected only into its process's environment at
// invoke. Values go in (set); only names come out (list), so no call can read one back.
import type { AgentSecretsList } from "@sandcaster/protocol";
import type { Transport } from "./transport.js";
import type { RequestOptions } from "./types.js";

const secretPath = (agent: string, key?: string) =>
  `/agents/${encodeURIComponent(agent)}/secrets${key === undefined ? "" : `/${encodeURIComponent(key)}`}`;

export class AgentSecrets {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** Sets (or replaces) `key` (an environment variable name); sealed at rest on the server. */
  async set(
    agent: string,
    key: string,
    value: string,
    options: RequestOptions = {},
  ): Promise<void> {
    await this.#transport.json<undefined>({
      method: "PUT",
      path: secretPath(agent, key),
      body: { value },
      ...options,
    });
  }

  /** Removes `key`; NotFoundError when the agent has no such secret. */
  async delete(agent: string, key: string, options: RequestOptions = {}): Promise<void> {
    await this.#transport.json<undefined>({
      method: "DELETE",
      path: secretPath(agent, key),
      ...options,
    });
  }

  /** The names of the secrets that are set, with when; never their values. */
  list(agent: string, options: RequestOptions = {}): Promise<AgentSecretsList> {
    return this.#transport.json<AgentSecretsList>({
      method: "GET",
      path: secretPath(agent),
      ...options,
    });
  }
}
