// The custom agents of this server: deploys (each a new version whose template holds the code and
// its installed dependencies), sealed secrets, and the version an invocation runs. In memory:
// agents and their secrets live as long as the server process (see the report: persistence is
// the next step, migration 0012).
import {
  AGENT_DEFAULT_LIMITS,
  type AgentInfo,
  type AgentManifest,
  type AgentStatus,
  type AgentVersionInfo,
  type TemplateSpec,
  TemplateSpecSchema,
} from "@sandcaster/protocol";
import { PlanError } from "../errors/plan-error.js";
import { SandcasterError } from "../errors/sandcaster-error.js";
import type { TemplateService } from "../templates/template-service.js";
import { AGENT_DIR, AgentArchiveError, agentFiles, installCommands } from "./agent-archive.js";
import { SECRETS_KEY_HINT, type SealedSecret, SecretBox } from "./secret-box.js";

interface AgentVersion {
  version: number;
  manifest: AgentManifest;
  templateId: string;
  createdAt: string;
}

interface Agent {
  name: string;
  versions: AgentVersion[];
  secrets: Map<string, SealedSecret>;
}

/** What an invocation needs: the ready image, how to run it, its limits and its secrets. */
export interface AgentTarget {
  name: string;
  version: number;
  image: string;
  entrypoint: string[];
  cwd: string;
  limits: { timeoutSecs: number; memoryMb: number; cpus: number };
  secrets: Record<string, string>;
}

export interface AgentServiceOptions {
  templates: TemplateService;
  /** The base of agents whose manifest names none (the server's docker sandbox image). */
  defaultBase: TemplateSpec["base"];
  /** SANDCASTER_SECRETS_KEY, parsed; without it secrets cannot be set. */
  secretsKey: Buffer | undefined;
}

const secretContext = (agent: string, key: string) => `sandcaster-agent-secret:${agent}/${key}`;

export class AgentService {
  readonly #agents = new Map<string, Agent>();
  readonly #box: SecretBox | undefined;

  constructor(private readonly options: AgentServiceOptions) {
    this.#box = options.secretsKey ? new SecretBox(options.secretsKey) : undefined;
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
    const agent: Agent = this.#agents.get(manifest.name) ?? {
      name: manifest.name,
      versions: [],
      secrets: new Map(),
    };
    this.#agents.set(manifest.name, agent);
    agent.versions.push({
      version: (agent.versions.at(-1)?.version ?? 0) + 1,
      manifest,
      templateId: template.id,
      createdAt: new Date().toISOString(),
    });
    return this.#info(agent);
  }

  list(): AgentInfo[] {
    return [...this.#agents.values()].map((agent) => this.#info(agent));
  }

  get(name: string): AgentInfo {
    return this.#info(this.#agent(name));
  }

  /** Resolves once the newest version's build ended. */
  async settled(name: string): Promise<AgentInfo> {
    const agent = this.#agent(name);
    const newest = agent.versions.at(-1);
    if (newest) await this.options.templates.wait(newest.templateId);
    return this.#info(agent);
  }

  setSecret(name: string, key: string, value: string): void {
    const agent = this.#agent(name);
    if (!this.#box) {
      throw new SandcasterError("NOT_READY", "this server has no secrets key", {
        hint: SECRETS_KEY_HINT,
      });
    }
    agent.secrets.set(key, this.#box.seal(value, secretContext(name, key)));
  }

  deleteSecret(name: string, key: string): boolean {
    return this.#agent(name).secrets.delete(key);
  }

  /** The newest active version, ready to run; 409 NOT_READY while none is. */
  target(name: string): AgentTarget {
    const agent = this.#agent(name);
    const active = this.#active(agent);
    if (!active) {
      const status = this.#info(agent).status;
      throw new SandcasterError(
        "NOT_READY",
        status === "building"
          ? `agent ${name} is still building`
          : `agent ${name} has no version that built`,
        { hint: `GET /agents/${name} shows each version's status and build failure` },
      );
    }
    const { version, manifest, image } = active;
    const secrets: Record<string, string> = {};
    for (const [key, sealed] of agent.secrets) {
      // The box exists: a secret could only be sealed with it.
      if (this.#box) secrets[key] = this.#box.open(sealed, secretContext(name, key));
    }
    return {
      name,
      version,
      image,
      entrypoint: manifest.entrypoint,
      cwd: AGENT_DIR,
      limits: { ...AGENT_DEFAULT_LIMITS, ...manifest.limits },
      secrets,
    };
  }

  #agent(name: string): Agent {
    const agent = this.#agents.get(name);
    if (!agent) throw new SandcasterError("NOT_FOUND", `no agent named ${name}`);
    return agent;
  }

  #versionStatus(version: AgentVersion): { status: AgentStatus; image?: string } {
    const template = this.options.templates.get(version.templateId);
    if (!template || template.status === "failed") return { status: "failed" };
    if (template.status === "building") return { status: "building" };
    return { status: "active", ...(template.image ? { image: template.image } : {}) };
  }

  #active(agent: Agent): (AgentVersion & { image: string }) | undefined {
    for (const version of [...agent.versions].reverse()) {
      const { status, image } = this.#versionStatus(version);
      if (status === "active" && image) return { ...version, image };
    }
    return undefined;
  }

  #info(agent: Agent): AgentInfo {
    const versions: AgentVersionInfo[] = agent.versions.map((version) => {
      const failure = this.options.templates.get(version.templateId)?.failure;
      return {
        version: version.version,
        templateId: version.templateId,
        status: this.#versionStatus(version).status,
        createdAt: version.createdAt,
        ...(failure ? { failure } : {}),
      };
    });
    const newest = agent.versions.at(-1);
    const active = this.#active(agent);
    const manifest = (active ?? newest)?.manifest;
    return {
      name: agent.name,
      ...(active ? { activeVersion: active.version } : {}),
      status: newest ? this.#versionStatus(newest).status : "failed",
      entrypoint: manifest?.entrypoint ?? [],
      secrets: {
        declared: manifest?.secrets ?? [],
        set: [...agent.secrets.keys()].sort(),
      },
      versions,
    };
  }
}
