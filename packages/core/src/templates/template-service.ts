// The templates this server knows: starts each build once per id (equal specs share it), answers
// its status, keeps its log for GET /templates/:id/logs (late readers get the lines so far), and
// hands out the sandbox provider of a ready template. Each base kind has its own builder.
import {
  type TemplateInfo,
  type TemplateKind,
  type TemplateSpec,
  type TemplateSpecInput,
  TemplateSpecSchema,
  templateKind,
} from "@sandcaster/protocol";
import type { Logger } from "pino";
import { PlanError } from "../errors/plan-error.js";
import type { SandboxProvider } from "../sandbox/sandbox.js";
import { TemplateBuildError } from "./template-build-error.js";
import { templateId } from "./template-id.js";

/**
 * Builds templates of one base kind. `exists` lets a restart reuse earlier builds; `build` and
 * `exists` answer the built artifact's reference (docker image, overlay dir, E2B template id).
 */
export interface TemplateBuilder {
  /** Refuses a spec this builder cannot build (PlanError naming the field), before any build. */
  check?(spec: TemplateSpec): void;
  exists(id: string): Promise<string | undefined>;
  build(
    id: string,
    spec: TemplateSpec,
    context: { onLog(line: string): void; signal: AbortSignal },
  ): Promise<string>;
  /** The provider whose sandboxes start from the built artifact `ref` (cheap: no I/O). */
  provider?(ref: string, spec: TemplateSpec): SandboxProvider;
  /**
   * Removes what the build of `id` made, unless something still uses it (docker: a container of
   * the image); true once it is gone (or was never there). Never throws.
   */
  remove?(id: string): Promise<boolean>;
}

export type TemplateBuilders = Partial<Record<TemplateKind, TemplateBuilder>>;

export interface TemplateServiceOptions {
  /**
   * Wraps the provider of each template as it becomes ready (a warm pool per template, see
   * template-pools.ts); returns it unchanged for templates without one.
   */
  wrapProvider?: (provider: SandboxProvider, info: TemplateInfo) => SandboxProvider;
}

/** The log lines a build keeps (the oldest are dropped first). */
const MAX_LOG_LINES = 5_000;

interface Entry {
  info: TemplateInfo;
  spec: TemplateSpec;
  /** The built artifact, once ready. */
  ref?: string;
  lines: string[];
  listeners: Set<(line: string | undefined) => void>;
  done: Promise<TemplateInfo>;
  /** True while ensure() checks that a ready build is still there. */
  confirming?: boolean;
}

export class TemplateService {
  readonly #entries = new Map<string, Entry>();
  readonly #names = new Map<string, string>();
  readonly #providers = new Map<string, SandboxProvider>();
  readonly #stop = new AbortController();
  readonly #builders: TemplateBuilders;
  /** How many builds actually ran (cache hits do not count): the figure tests measure. */
  buildsRun = 0;

  /** A single builder is the docker one (how this service started). */
  constructor(
    builders: TemplateBuilder | TemplateBuilders,
    private readonly logger: Logger,
    private readonly options: TemplateServiceOptions = {},
  ) {
    this.#builders = "exists" in builders ? { docker: builders as TemplateBuilder } : builders;
  }

  /** The kinds of base this server builds (what `spec.base` may name). */
  kinds(): TemplateKind[] {
    return (Object.keys(this.#builders) as TemplateKind[]).filter((k) => this.#builders[k]);
  }

  #builderFor(spec: TemplateSpec): TemplateBuilder {
    const kind = templateKind(spec.base);
    const builder = this.#builders[kind];
    if (!builder) {
      const offered = this.kinds().join(", ") || "none";
      throw new PlanError(
        "spec.base",
        `this server does not build ${kind} templates (it builds: ${offered})`,
      );
    }
    builder.check?.(spec);
    return builder;
  }

  /**
   * The template of `spec`, its build started unless one is running or done. Throws PlanError
   * (400 naming the field) when no builder here can build it.
   */
  ensure(input: TemplateSpecInput | TemplateSpec, name?: string): TemplateInfo {
    const spec = TemplateSpecSchema.parse(input);
    const builder = this.#builderFor(spec);
    const id = templateId(spec);
    if (name) this.#name(name, id);
    const known = this.#entries.get(id);
    if (known?.info.status === "ready" && !known.confirming) {
      known.confirming = true;
      known.done = this.#confirm(known, builder).finally(() => {
        known.confirming = false;
      });
    }
    if (known && known.info.status !== "failed") return known.info;
    const entry: Entry = {
      info: {
        id,
        names: known?.info.names ?? (name ? [name] : []),
        provider: templateKind(spec.base),
        status: "building",
        createdAt: new Date().toISOString(),
        cached: false,
      },
      spec,
      lines: [],
      listeners: new Set(),
      done: Promise.resolve(undefined as unknown as TemplateInfo),
    };
    this.#entries.set(id, entry);
    entry.done = this.#build(entry, builder);
    return entry.info;
  }

  /**
   * A ready build may have been removed since (another instance sharing the host or the registry
   * released it when its last agent was deleted): then it is built again, and wait() waits for that.
   * A builder that cannot tell (an error) keeps it ready: a transient fault never forces a rebuild.
   */
  async #confirm(entry: Entry, builder: TemplateBuilder): Promise<TemplateInfo> {
    const present = await builder.exists(entry.info.id).then(
      (ref) => ref !== undefined,
      () => true,
    );
    if (present || entry.info.status !== "ready") return entry.info;
    this.logger.info(
      { templateId: entry.info.id },
      "template was removed elsewhere; building it again",
    );
    this.#providers.delete(entry.info.id);
    entry.info.status = "building";
    entry.info.cached = false;
    delete entry.info.image;
    delete entry.info.finishedAt;
    delete entry.info.buildSecs;
    return this.#build(entry, builder);
  }

  #name(name: string, id: string) {
    const previous = this.#names.get(name);
    if (previous && previous !== id) {
      const old = this.#entries.get(previous)?.info;
      if (old) old.names = old.names.filter((n) => n !== name);
    }
    this.#names.set(name, id);
    const info = this.#entries.get(id)?.info;
    if (info && !info.names.includes(name)) info.names.push(name);
  }

  async #build(entry: Entry, builder: TemplateBuilder): Promise<TemplateInfo> {
    const { info, spec } = entry;
    const started = performance.now();
    const log = (line: string) => {
      entry.lines.push(line);
      if (entry.lines.length > MAX_LOG_LINES) entry.lines.shift();
      for (const listener of entry.listeners) listener(line);
    };
    try {
      const existing = await builder.exists(info.id);
      if (existing) {
        info.cached = true;
        entry.ref = existing;
        log(`cache hit: ${existing}`);
      } else {
        this.buildsRun += 1;
        entry.ref = await builder.build(info.id, spec, {
          onLog: log,
          signal: this.#stop.signal,
        });
      }
      if (info.provider !== "local") info.image = entry.ref;
      info.status = "ready";
      // Made now, so a warm pool for it starts filling before the first request names it.
      if (this.options.wrapProvider) this.provider(info.id);
    } catch (error) {
      info.status = "failed";
      info.failure = TemplateBuildError.isInstance(error)
        ? error.failure
        : { step: "build", exitCode: null, outputTail: "", message: String(error) };
      log(`build failed: ${info.failure.message}`);
      this.logger.warn(
        { templateId: info.id, failure: info.failure.step },
        "template build failed",
      );
    }
    info.finishedAt = new Date().toISOString();
    info.buildSecs = Math.round(performance.now() - started) / 1000;
    for (const listener of entry.listeners) listener(undefined);
    entry.listeners.clear();
    return info;
  }

  #entry(idOrName: string): Entry | undefined {
    return this.#entries.get(this.#names.get(idOrName) ?? idOrName);
  }

  get(idOrName: string): TemplateInfo | undefined {
    return this.#entry(idOrName)?.info;
  }

  list(): TemplateInfo[] {
    return [...this.#entries.values()].map((entry) => entry.info);
  }

  /** Resolves once the build ended (ready or failed). */
  async wait(idOrName: string): Promise<TemplateInfo | undefined> {
    return this.#entry(idOrName)?.done;
  }

  /**
   * The sandbox provider of a ready template, one per template (so a warm pool can sit in front
   * of it). PlanError naming `field` when the template is unknown, still building or failed.
   */
  provider(idOrName: string, field = "template"): SandboxProvider {
    const entry = this.#entry(idOrName);
    if (!entry)
      throw new PlanError(field, `no template ${JSON.stringify(idOrName)} on this server`);
    const { info } = entry;
    if (info.status !== "ready" || entry.ref === undefined) {
      const why = info.status === "failed" ? `failed (${info.failure?.message})` : "still building";
      throw new PlanError(field, `template ${JSON.stringify(idOrName)} is not ready: ${why}`);
    }
    let provider = this.#providers.get(info.id);
    if (!provider) {
      const make = this.#builders[info.provider]?.provider;
      if (!make) {
        throw new PlanError(field, `this server cannot run ${info.provider} templates`);
      }
      provider = make(entry.ref, entry.spec);
      provider = this.options.wrapProvider?.(provider, info) ?? provider;
      this.#providers.set(info.id, provider);
    }
    return provider;
  }

  /**
   * Lets go of a template its last user no longer needs (an agent deleted): what its build made is
   * removed and this service forgets it, so asking for it again builds it anew. Kept (false): a
   * template that has a name (POST /templates), one still building, one whose builder cannot remove
   * (or refuses: in use).
   */
  async release(id: string, kind: TemplateKind): Promise<boolean> {
    const entry = this.#entries.get(id);
    if (entry && (entry.info.status === "building" || entry.info.names.length > 0)) return false;
    const removed = (await this.#builders[kind]?.remove?.(id)) ?? false;
    if (removed) {
      this.#entries.delete(id);
      this.#providers.delete(id);
    }
    return removed;
  }

  /**
   * The log so far, then each new line; `undefined` once the build ended. Returns the
   * unsubscribe function (already ended builds call back with `undefined` at once).
   */
  follow(id: string, onLine: (line: string | undefined) => void): () => void {
    const entry = this.#entry(id);
    if (!entry) throw new Error(`no template ${id}`);
    for (const line of entry.lines) onLine(line);
    if (entry.info.status !== "building") {
      onLine(undefined);
      return () => undefined;
    }
    entry.listeners.add(onLine);
    return () => entry.listeners.delete(onLine);
  }

  /** Stops builds in progress (server shutdown); they end as failed. */
  async close(): Promise<void> {
    this.#stop.abort(new Error("the server is shutting down"));
    await Promise.all([...this.#entries.values()].map((entry) => entry.done));
  }
}
