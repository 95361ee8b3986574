// client.agents: custom agents — the user's own code deployed as a versioned template (POST
// /agents) and invoked with a prompt on stdin in a fresh sandbox per request. An invocation is a
// run: its stream is a RunStream like query's (resumed after a drop, typed events, abort).
import type {
  AgentInfo,
  AgentInvokeResult,
  AgentLogs,
  AgentManifestInput,
  InvokeAgentRequest,
} from "@sandcaster/protocol";
import { base64 } from "./agents-base64.js";
import { AgentSecrets } from "./agents-secrets.js";
import { runSource } from "./run-source.js";
import { RunStream } from "./run-stream.js";
import type { Transport } from "./transport.js";
import type { RequestOptions, StreamOptions } from "./types.js";

export interface DeployAgentInput {
  /** `name`, `entrypoint` ("node index.js" or argv), optional base, limits and secret names. */
  manifest: AgentManifestInput;
  /** The code as a tar archive (files and directories; no node_modules needed: deploy installs). */
  archive: Uint8Array;
}

export type InvokeAgentOptions = StreamOptions;

export class Agents {
  readonly #transport: Transport;
  readonly #defaults: { maxRetries: number; idleTimeoutMs: number };
  /** Secret values go in, names come out: no route ever answers a value. */
  readonly secrets: AgentSecrets;

  constructor(transport: Transport, defaults: { maxRetries: number; idleTimeoutMs: number }) {
    this.#transport = transport;
    this.#defaults = defaults;
    this.secrets = new AgentSecrets(transport);
  }

  /**
   * Uploads a new version and starts its build (202: status `building`). Poll `get(name)` until the
   * version is `active` or `failed`, or follow the build with `logs(name)`.
   */
  deploy(input: DeployAgentInput, options: RequestOptions = {}): Promise<AgentInfo> {
    return this.#transport.json<AgentInfo>({
      method: "POST",
      path: "/agents",
      body: { manifest: input.manifest, archive: base64(input.archive) },
      ...options,
    });
  }

  async list(options: RequestOptions = {}): Promise<AgentInfo[]> {
    const page = await this.#transport.json<{ agents: AgentInfo[] }>({
      method: "GET",
      path: "/agents",
      ...options,
    });
    return page.agents;
  }

  /** The agent with its versions (newest first) and secret names; 404 NotFoundError if unknown. */
  get(name: string, options: RequestOptions = {}): Promise<AgentInfo> {
    return this.#transport.json<AgentInfo>({ method: "GET", path: agentPath(name), ...options });
  }

  /**
   * Invokes the active version and streams the run's events: `system`, live `stdout`/`stderr`,
   * `file`, then `result` (the whole stdout as `content`, `exitCode`) or `error` (`AGENT_FAILED`
   * with the stderr tail and `exitCode`, as RunFailedError.exitCode; `TIMEOUT`). Nothing is sent until the stream is read; leaving it (break,
   * `abort()`, the signal) cancels the invocation and its sandbox.
   */
  invoke(name: string, request: InvokeAgentRequest, options: InvokeAgentOptions = {}): RunStream {
    const { maxRetries, idleTimeoutMs, signal, headers } = options;
    const transport = this.#transport;
    const source = runSource(transport, {
      open: (opened) =>
        transport.stream({
          method: "POST",
          path: `${agentPath(name)}/invoke`,
          body: request,
          headers,
          signal: opened,
        }),
      headers,
      // The server cancels an invocation whose client left; a resumed stream must do the same.
      cancelOnLeave: true,
    });
    return new RunStream(source, {
      maxRetries: maxRetries ?? this.#defaults.maxRetries,
      idleTimeoutMs: idleTimeoutMs ?? this.#defaults.idleTimeoutMs,
      signal,
    });
  }

  /**
   * Invokes and waits for the end (`?wait=true`): `{output, exitCode, durationSecs, error?}`. The
   * client's `timeoutMs` covers the whole invocation here: raise it for long agents.
   */
  invokeWait(
    name: string,
    request: InvokeAgentRequest,
    options: RequestOptions = {},
  ): Promise<AgentInvokeResult> {
    return this.#transport.json<AgentInvokeResult>({
      method: "POST",
      path: `${agentPath(name)}/invoke`,
      query: { wait: "true" },
      body: request,
      ...options,
    });
  }

  /** The build log of a version (default: the newest), as it is now. */
  logs(
    name: string,
    params: { version?: number | undefined } = {},
    options: RequestOptions = {},
  ): Promise<AgentLogs> {
    return this.#transport.json<AgentLogs>({
      method: "GET",
      path: `${agentPath(name)}/logs`,
      query: { version: params.version },
      ...options,
    });
  }

  /** Invocations use `version` (an earlier one that built) from now on, until a later deploy builds. */
  rollback(name: string, version: number, options: RequestOptions = {}): Promise<AgentInfo> {
    return this.#transport.json<AgentInfo>({
      method: "POST",
      path: `${agentPath(name)}/rollback`,
      body: { version },
      ...options,
    });
  }

  /** Deletes the agent: its versions, images and secrets. */
  async delete(name: string, options: RequestOptions = {}): Promise<void> {
    await this.#transport.json<undefined>({ method: "DELETE", path: agentPath(name), ...options });
  }
}

export function agentPath(name: string): string {
  return `/agents/${encodeURIComponent(name)}`;
}
