// The template builds of agents' versions this instance watches: each build's end ends its version
// in the store (active with its image, or failed with why, its log kept), and the builds a stopped
// server left `building` are taken over.
import { type TemplateSpec, TemplateSpecSchema } from "@sandcaster/protocol";
import type { AgentStore, StoredAgentVersion } from "../store/agents-store.js";
import type { TemplateService } from "../templates/template-service.js";
import { activeVersion } from "./agent-view.js";

/** The build log lines kept with a version (for GET /agents/:name/logs after a restart). */
const KEPT_LOG_LINES = 500;

export class AgentBuilds {
  /** Builds watched here, by agent: settled() waits for them. */
  readonly #builds = new Map<string, Set<Promise<void>>>();
  /** `name@version` of every build watched here (so a build is never taken over twice). */
  readonly #watched = new Set<string>();

  /** `onActive`: a version just built and is the agent's active one (its pool can start filling). */
  constructor(
    private readonly store: AgentStore,
    private readonly templates: TemplateService,
    private readonly onActive: (name: string, version: StoredAgentVersion) => void,
  ) {}

  /** Resolves once the builds this instance watches for the agent ended. */
  async settled(name: string): Promise<void> {
    await Promise.all([...(this.#builds.get(name) ?? [])]);
  }

  /**
   * Takes over the builds a stopped server left `building` (it died between a deploy and its
   * build's end; nothing else would ever end them): each is ensured again from its stored spec (a
   * cache hit when the image was built, else a new build) and ends as any build does. A build that
   * another live instance is running is run here too: same spec, same template, the same end.
   * Returns how many versions it took over.
   */
  async resume(): Promise<number> {
    let resumed = 0;
    for (const agent of await this.store.list()) {
      for (const version of agent.versions) {
        if (version.status !== "building") continue;
        if (this.#watched.has(`${agent.name}@${version.version}`)) continue;
        let spec: TemplateSpec;
        try {
          if (!version.spec) throw new Error("its template spec was not kept");
          spec = TemplateSpecSchema.parse(JSON.parse(version.spec));
        } catch (error) {
          await this.store.endBuild(agent.name, version.version, {
            status: "failed",
            failure: JSON.stringify({
              step: "build",
              exitCode: null,
              outputTail: "",
              message: `the server building it stopped and the build cannot be resumed (${error instanceof Error ? error.message : String(error)}); deploy it again`,
            }),
            buildLog: [],
          });
          continue;
        }
        this.templates.ensure(spec);
        this.watch(agent.name, version.version, version.templateId);
        resumed++;
      }
    }
    return resumed;
  }

  /** Ends the version in the store when its template's build ends. */
  watch(name: string, version: number, templateId: string): void {
    const { templates, store } = this;
    this.#watched.add(`${name}@${version}`);
    const lines: string[] = [];
    const stop = templates.follow(templateId, (line) => {
      if (line === undefined) return;
      lines.push(line);
      if (lines.length > KEPT_LOG_LINES) lines.shift();
    });
    const watch = (async () => {
      const info = await templates.wait(templateId);
      stop();
      if (info?.status === "ready") {
        // Local templates have no image (their overlay stays on this host): the id stands in.
        const image = info.image ?? `${info.provider}:${info.id}`;
        await store.endBuild(name, version, { status: "active", image, buildLog: lines });
        const agent = await store.get(name);
        const active = agent && activeVersion(agent);
        if (active?.version === version) this.onActive(name, active);
      } else {
        const failure = info?.failure ?? {
          step: "build",
          exitCode: null,
          outputTail: "",
          message: "the build ended without a template",
        };
        await store.endBuild(name, version, {
          status: "failed",
          failure: JSON.stringify(failure),
          buildLog: lines,
        });
      }
    })().catch(() => undefined);
    const builds = this.#builds.get(name) ?? new Set();
    builds.add(watch);
    this.#builds.set(name, builds);
    void watch.finally(() => builds.delete(watch));
  }
}
