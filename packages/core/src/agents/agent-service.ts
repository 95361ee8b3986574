// The custom agents of this server, kept in the run store's database (every instance on it sees
// the same agents, and a restart keeps them): deploys (each a new version whose template holds the
// code and its installed dependencies), the active version (the newest that built, or the one a
// rollback chose), sealed secrets, and what an invocation runs.
import {
  AGENT_DEFAULT_LIMITS,
  type AgentInfo,
  type AgentLogs,
  type AgentManifest,
  type AgentSecretsList,
  type AgentVersionInfo,
  type RotateSecretsResult,
  type SandcasterConfig,
  type TemplateSpec,
  TemplateSpecSchema,
} from "@sandcaster/protocol";
import { PlanError } from "../errors/plan-error.js";
import { SandcasterError } from "../errors/sandcaster-error.js";
import type { SandboxProvider } from "../sandbox/sandbox.js";
import type { AgentStore, StoredAgent, StoredAgentVersion } from "../store/agents-store.js";
import type { TemplateService } from "../templates/template-service.js";
import { AGENT_DIR, AgentArchiveError, agentFiles, installCommands } from "./agent-archive.js";
import { AgentBuilds } from "./agent-builds.js";
import { type AgentLimits, agentPoolLimits } from "./agent-limits.js";
import { type AgentPoolSettings, AgentPools, type PoolLimits } from "./agent-pools.js";
import { AgentSecrets } from "./agent-secrets.js";
import { AgentTemplates } from "./agent-templates.js";
import { activeVersion, agentInfo, manifestOf, versionInfo } from "./agent-view.js";
import type { SecretKeyring } from "./secret-keyring.js";

/** What an invocation needs: the ready image, how to run it, its limits and its secrets. */
export interface AgentTarget {
  name: string;
  version: number;
  image: string;
  entrypoint: string[];
  cwd: string;
  limits: AgentLimits;
  secrets: Record<string, string>;
  /** The template's own sandbox provider (docker, local or e2b: its name sets the network). */
  base: SandboxProvider;
  /** The sandbox provider an invocation with these sandbox limits uses (the agent's pool). */
  provider(limits: PoolLimits): SandboxProvider;
}

export interface AgentServiceOptions {
  templates: TemplateService;
  store: AgentStore;
  /** The base of agents whose manifest names none (the server's docker sandbox image). */
  defaultBase: TemplateSpec["base"];
  /** SANDCASTER_SECRETS_KEY (and previous keys); without it secrets cannot be set. */
  keyring: SecretKeyring | undefined;
  /** The server's sandbox settings: a warm pool's sandboxes get what an invocation would. */
  config: Pick<SandcasterConfig, "docker" | "local">;
  pool: AgentPoolSettings;
}

export class AgentService {
  readonly #secrets: AgentSecrets;
  readonly #pools: AgentPools;
  readonly #templates: AgentTemplates;
  /** Builds this instance watches, by agent: settled() waits for them. */
  readonly #builds: AgentBuilds;

  constructor(private readonly options: AgentServiceOptions) {
    this.#secrets = new AgentSecrets(options.store, options.keyring);
    this.#pools = new AgentPools(options.pool);
    this.#templates = new AgentTemplates(options.store, options.templates, options.pool.logger);
    this.#builds = new AgentBuilds(options.store, options.templates, (name, active) =>
      this.#warm(name, active),
    );
  }

  /** A new version of the agent; its template builds in the background (status `building`). */
  async deploy(manifest: AgentManifest, archive: Buffer): Promise<AgentInfo> {
    let files: TemplateSpec["files"];
    try {
      files = await agentFiles(archive);
    } catch (error) {
      if (error instanceof AgentArchiveError) throw new PlanError("archive", error.message);
      throw error;
    }
    const spec = TemplateSpecSchema.parse({
      base: manifest.base ?? this.options.defaultBase,
      files,
      setup: installCommands(files),
      workdir: AGENT_DIR,
    });
    const template = this.options.templates.ensure(spec);
    const version = await this.options.store.addVersion(manifest.name, {
      manifest: JSON.stringify(manifest),
      templateId: template.id,
      spec: JSON.stringify(spec),
      createdAt: new Date(),
    });
    this.#builds.watch(manifest.name, version, template.id);
    return this.get(manifest.name);
  }

  async list(): Promise<AgentInfo[]> {
    return (await this.options.store.list()).map(agentInfo);
  }

  async get(name: string): Promise<AgentInfo> {
    return agentInfo(await this.#agent(name));
  }

  /** Resolves once the builds this instance started for the agent ended. */
  async settled(name: string): Promise<AgentInfo> {
    await this.#builds.settled(name);
    return this.get(name);
  }

  /** Makes an earlier (or later) version that built the one invoked; its pool replaces the old. */
  async rollback(name: string, version: number): Promise<AgentInfo> {
    const agent = await this.#agent(name);
    const chosen = this.#version(agent, version);
    if (chosen.status !== "active" || !chosen.image) {
      throw new SandcasterError(
        "NOT_READY",
        `version ${version} of agent ${name} is ${chosen.status}: only a version that built can be invoked`,
        { hint: `GET /agents/${name} shows each version's status` },
      );
    }
    await this.options.store.setActive(name, version);
    this.#warm(name, chosen);
    return this.get(name);
  }

  /**
   * Removes the agent, its versions and secrets, destroys its warm sandboxes, then the templates
   * (images) of its versions that no other agent uses.
   */
  async remove(name: string): Promise<void> {
    const agent = await this.options.store.get(name);
    if (!agent || !(await this.options.store.remove(name))) {
      throw new SandcasterError("NOT_FOUND", `no agent named ${name}`);
    }
    await this.#pools.release(name);
    await this.#templates.releaseUnused(agent);
  }

  async setSecret(name: string, key: string, value: string): Promise<void> {
    await this.#agent(name);
    await this.#secrets.set(name, key, value);
  }

  async deleteSecret(name: string, key: string): Promise<boolean> {
    await this.#agent(name);
    return this.#secrets.delete(name, key);
  }

  async secrets(name: string): Promise<AgentSecretsList> {
    return this.#secrets.list(await this.#agent(name));
  }

  /** Every secret sealed under a previous key, sealed again under the current one. */
  rotateSecrets(): Promise<RotateSecretsResult> {
    return this.#secrets.rotate();
  }

  /**
   * A version's build log (default: the newest version): the live log while this instance has the
   * build, else the lines kept when it ended. `onLine(undefined)` ends it; returns the unsubscribe.
   */
  async buildLog(
    name: string,
    version: number | undefined,
  ): Promise<{
    info: () => Promise<AgentVersionInfo>;
    follow: (onLine: (line: string | undefined) => void) => () => void;
  }> {
    const agent = await this.#agent(name);
    const chosen = version === undefined ? agent.versions.at(-1) : this.#version(agent, version);
    if (!chosen) throw new SandcasterError("NOT_FOUND", `agent ${name} has no version`);
    const info = async () => versionInfo(this.#version(await this.#agent(name), chosen.version));
    const live = this.options.templates.get(chosen.templateId);
    if (live) return { info, follow: (onLine) => this.options.templates.follow(live.id, onLine) };
    return {
      info,
      follow: (onLine) => {
        for (const line of chosen.buildLog) onLine(line);
        onLine(undefined);
        return () => undefined;
      },
    };
  }

  /** The build log whole, for JSON callers (waits for a build in progress to end). */
  async buildLogLines(name: string, version: number | undefined): Promise<AgentLogs> {
    const log = await this.buildLog(name, version);
    const lines: string[] = [];
    await new Promise<void>((resolve) => {
      log.follow((line) => (line === undefined ? resolve() : lines.push(line)));
    });
    const info = await log.info();
    return { version: info.version, status: info.status, lines };
  }

  /** The active version, ready to run, with its secrets opened; 409 NOT_READY while none is. */
  async target(name: string): Promise<AgentTarget> {
    const agent = await this.#agent(name);
    const active = activeVersion(agent);
    if (!active?.image) {
      const status = agentInfo(agent).status;
      throw new SandcasterError(
        "NOT_READY",
        status === "building"
          ? `agent ${name} is still building`
          : `agent ${name} has no version that built`,
        { hint: `GET /agents/${name} shows each version's status and build failure` },
      );
    }
    const manifest = manifestOf(active);
    const base = await this.#templateProvider(active);
    return {
      name,
      version: active.version,
      image: active.image,
      entrypoint: manifest.entrypoint,
      cwd: AGENT_DIR,
      limits: { ...AGENT_DEFAULT_LIMITS, ...manifest.limits },
      secrets: await this.#secrets.open(agent),
      base,
      provider: (limits) =>
        this.#pools.provider(name, [active.version, active.templateId], base, limits),
    };
  }

  /** The agent's warm pool, for /metrics-like views and tests. */
  poolStats(name: string) {
    return this.#pools.stats(name);
  }

  /**
   * Takes over the builds a stopped server left `building` (agent-builds.ts); returns how many
   * versions it took over.
   */
  resumeBuilds(): Promise<number> {
    return this.#builds.resume();
  }

  /** Destroys warm sandboxes and stops retrying deleted agents' templates (server shutdown). */
  close(): Promise<void> {
    this.#templates.close();
    return this.#pools.close();
  }

  /**
   * The provider of the version's template. A template this instance does not have ready (a
   * restart, another instance's deploy) is ensured again from the stored spec: the builder finds
   * the built artifact (a cache hit) or builds it.
   */
  async #templateProvider(version: StoredAgentVersion): Promise<SandboxProvider> {
    const { templates } = this.options;
    try {
      if (templates.get(version.templateId)?.status !== "ready") {
        if (!version.spec) throw new Error("its template spec was not kept; deploy it again");
        templates.ensure(JSON.parse(version.spec) as TemplateSpec);
        await templates.wait(version.templateId);
      }
      return templates.provider(version.templateId);
    } catch (error) {
      throw new SandcasterError(
        "NOT_READY",
        `version ${version.version}'s template is not available here: ${error instanceof Error ? error.message : String(error)}`,
        { hint: "deploy the agent again on a server that builds its base", cause: error },
      );
    }
  }

  /** Starts filling the pool of the version now invoked, before the first invocation asks. */
  #warm(name: string, version: StoredAgentVersion): void {
    const manifest = manifestOf(version);
    const limits = { ...AGENT_DEFAULT_LIMITS, ...manifest.limits };
    void this.#templateProvider(version).then(
      (base) =>
        this.#pools.provider(
          name,
          [version.version, version.templateId],
          base,
          agentPoolLimits(this.options.config, limits, base.name),
        ),
      // The first invocation says why (NOT_READY); nothing to warm meanwhile.
      () => undefined,
    );
  }

  async #agent(name: string): Promise<StoredAgent> {
    const agent = await this.options.store.get(name);
    if (!agent) throw new SandcasterError("NOT_FOUND", `no agent named ${name}`);
    return agent;
  }

  #version(agent: StoredAgent, version: number): StoredAgentVersion {
    const found = agent.versions.find((v) => v.version === version);
    if (!found)
      throw new SandcasterError("NOT_FOUND", `agent ${agent.name} has no version ${version}`);
    return found;
  }
}
