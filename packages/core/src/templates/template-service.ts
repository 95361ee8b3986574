// The templates this server knows: starts each build once per id (equal specs share it), answers
// its status, and keeps its log for GET /templates/:id/logs (late readers get the lines so far).
import {
  type TemplateInfo,
  type TemplateSpec,
  type TemplateSpecInput,
  TemplateSpecSchema,
} from "@sandcaster/protocol";
import type { Logger } from "pino";
import { TemplateBuildError } from "./template-build-error.js";
import { templateId } from "./template-id.js";

/** Where templates are built (docker today); `exists` lets a restart reuse earlier builds. */
export interface TemplateBuilder {
  exists(id: string): Promise<string | undefined>;
  build(
    id: string,
    spec: TemplateSpec,
    context: { onLog(line: string): void; signal: AbortSignal },
  ): Promise<string>;
}

/** The log lines a build keeps (the oldest are dropped first). */
const MAX_LOG_LINES = 5_000;

interface Entry {
  info: TemplateInfo;
  lines: string[];
  listeners: Set<(line: string | undefined) => void>;
  done: Promise<TemplateInfo>;
}

export class TemplateService {
  readonly #entries = new Map<string, Entry>();
  readonly #names = new Map<string, string>();
  readonly #stop = new AbortController();
  /** How many builds actually ran (cache hits do not count): the figure tests measure. */
  buildsRun = 0;

  constructor(
    private readonly builder: TemplateBuilder,
    private readonly logger: Logger,
  ) {}

  /** The template of `spec`, its build started unless one is running or done. */
  ensure(input: TemplateSpecInput | TemplateSpec, name?: string): TemplateInfo {
    const spec = TemplateSpecSchema.parse(input);
    const id = templateId(spec);
    if (name) this.#name(name, id);
    const known = this.#entries.get(id);
    if (known && known.info.status !== "failed") return known.info;
    const entry: Entry = {
      info: {
        id,
        names: known?.info.names ?? (name ? [name] : []),
        status: "building",
        createdAt: new Date().toISOString(),
        cached: false,
      },
      lines: [],
      listeners: new Set(),
      done: Promise.resolve(undefined as unknown as TemplateInfo),
    };
    this.#entries.set(id, entry);
    entry.done = this.#build(entry, spec);
    return entry.info;
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

  async #build(entry: Entry, spec: TemplateSpec): Promise<TemplateInfo> {
    const { info } = entry;
    const started = performance.now();
    const log = (line: string) => {
      entry.lines.push(line);
      if (entry.lines.length > MAX_LOG_LINES) entry.lines.shift();
      for (const listener of entry.listeners) listener(line);
    };
    try {
      const existing = await this.builder.exists(info.id);
      if (existing) {
        info.cached = true;
        info.image = existing;
        log(`cache hit: ${existing}`);
      } else {
        this.buildsRun += 1;
        info.image = await this.builder.build(info.id, spec, {
          onLog: log,
          signal: this.#stop.signal,
        });
      }
      info.status = "ready";
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

  get(idOrName: string): TemplateInfo | undefined {
    return this.#entries.get(this.#names.get(idOrName) ?? idOrName)?.info;
  }

  list(): TemplateInfo[] {
    return [...this.#entries.values()].map((entry) => entry.info);
  }

  /** Resolves once the build ended (ready or failed). */
  async wait(idOrName: string): Promise<TemplateInfo | undefined> {
    return this.#entries.get(this.#names.get(idOrName) ?? idOrName)?.done;
  }

  /**
   * The log so far, then each new line; `undefined` once the build ended. Returns the
   * unsubscribe function (already ended builds call back with `undefined` at once).
   */
  follow(id: string, onLine: (line: string | undefined) => void): () => void {
    const entry = this.#entries.get(this.#names.get(id) ?? id);
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
