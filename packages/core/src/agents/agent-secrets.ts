// Agent secrets: sealed under the server's current key before they reach the store, opened only
// for an invocation (into the agent process's env), re-sealed under the current key when a
// previous one opened them (on read, or all at once by rotate()).
import type { AgentSecretsList, RotateSecretsResult } from "@sandcaster/protocol";
import { SandcasterError } from "../errors/sandcaster-error.js";
import type { AgentStore, StoredAgent } from "../store/agents-store.js";
import { SECRETS_KEY_HINT, type SealedSecret } from "./secret-box.js";
import type { SecretKeyring } from "./secret-keyring.js";

/** The agent and the key name are the associated data: a sealed value moved elsewhere won't open. */
const secretContext = (agent: string, key: string) => `sandcaster-agent-secret:${agent}/${key}`;

export class AgentSecrets {
  constructor(
    private readonly store: AgentStore,
    private readonly keyring: SecretKeyring | undefined,
  ) {}

  #keys(): SecretKeyring {
    if (!this.keyring) {
      throw new SandcasterError("NOT_READY", "this server has no secrets key", {
        hint: SECRETS_KEY_HINT,
      });
    }
    return this.keyring;
  }

  async set(agent: string, key: string, value: string): Promise<void> {
    const sealed = this.#keys().seal(value, secretContext(agent, key));
    await this.store.putSecret(agent, {
      key,
      sealed: JSON.stringify(sealed),
      updatedAt: new Date(),
    });
  }

  delete(agent: string, key: string): Promise<boolean> {
    return this.store.deleteSecret(agent, key);
  }

  list(agent: StoredAgent): AgentSecretsList {
    return {
      secrets: agent.secrets.map((secret) => ({
        name: secret.key,
        updatedAt: secret.updatedAt.toISOString(),
      })),
    };
  }

  /** The agent's secrets in clear, for its process only; stale ones are re-sealed meanwhile. */
  async open(agent: StoredAgent): Promise<Record<string, string>> {
    if (agent.secrets.length === 0) return {};
    const keys = this.#keys();
    const values: Record<string, string> = {};
    for (const secret of agent.secrets) {
      let opened: ReturnType<SecretKeyring["open"]>;
      try {
        opened = keys.open(
          JSON.parse(secret.sealed) as SealedSecret,
          secretContext(agent.name, secret.key),
        );
      } catch {
        throw new SandcasterError(
          "NOT_READY",
          `secret ${secret.key} of agent ${agent.name} opens under none of the server's keys`,
          {
            hint: `put the key it was sealed with in SANDCASTER_SECRETS_KEY_PREVIOUS, or set the secret again (PUT /agents/${agent.name}/secrets/${secret.key})`,
          },
        );
      }
      values[secret.key] = opened.value;
      if (opened.stale) await this.#reseal(agent.name, secret.key, secret.sealed, opened.value);
    }
    return values;
  }

  /** Every secret sealed under a previous key, sealed again under the current one. */
  async rotate(): Promise<RotateSecretsResult> {
    const keys = this.#keys();
    const result: RotateSecretsResult = { rotated: 0, current: 0, unreadable: [] };
    for (const secret of await this.store.allSecrets()) {
      let opened: ReturnType<SecretKeyring["open"]>;
      try {
        opened = keys.open(
          JSON.parse(secret.sealed) as SealedSecret,
          secretContext(secret.agent, secret.key),
        );
      } catch {
        result.unreadable.push(`${secret.agent}/${secret.key}`);
        continue;
      }
      if (!opened.stale) {
        result.current += 1;
        continue;
      }
      await this.#reseal(secret.agent, secret.key, secret.sealed, opened.value);
      result.rotated += 1;
    }
    return result;
  }

  async #reseal(agent: string, key: string, previous: string, value: string): Promise<void> {
    const sealed = this.#keys().seal(value, secretContext(agent, key));
    // Compare-and-set: a value set meanwhile (or rotated by another instance) is left alone.
    await this.store.resealSecret(agent, key, previous, JSON.stringify(sealed));
  }
}
