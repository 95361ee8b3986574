// What a deleted agent leaves: the templates (docker images, local overlays) of its versions that no other agent's
// version uses are removed, so deleting agents does not fill the host's disk with their builds.
import { type TemplateKind, TemplateSpecSchema, templateKind } from "@sandcaster/protocol";
import type { Logger } from "pino";
import type { AgentStore, StoredAgent } from "../store/agents-store.js";
import type { TemplateService } from "../templates/template-service.js";

/**
 * Waits between tries of a template still in use: an invocation that just answered removes its
 * container a moment later; one still running holds it until it ends (an agent's timeout at most).
 */
const RETRY_DELAYS_MS = [500, 1_000, 2_000, 4_000, 8_000, 15_000, 30_000, 60_000, 60_000, 60_000];

export class AgentTemplates {
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly store: AgentStore,
    private readonly templates: TemplateService,
    private readonly logger: Logger,
  ) {}

  /**
   * Releases the templates of `deleted` (already gone from the store) that no remaining agent's
   * version names. Resolves after the first try of each; one still in use (an invocation runs
   * from it, or its sandbox is being removed) is tried again in the background. A version without a
   * kept spec (older than migration 0013) does not say its kind and is skipped.
   */
  async releaseUnused(deleted: StoredAgent): Promise<void> {
    const inUse = new Set<string>();
    for (const agent of await this.store.list()) {
      for (const version of agent.versions) inUse.add(version.templateId);
    }
    for (const version of deleted.versions) {
      if (inUse.has(version.templateId) || version.spec === undefined) continue;
      inUse.add(version.templateId);
      try {
        const kind = templateKind(TemplateSpecSchema.parse(JSON.parse(version.spec)).base);
        await this.#release(version.templateId, kind, 0);
      } catch (error) {
        this.logger.warn({ err: error, templateId: version.templateId }, "template not released");
      }
    }
  }

  /** Stops the background tries (server shutdown): those templates stay. */
  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  async #release(templateId: string, kind: TemplateKind, attempt: number): Promise<void> {
    if (await this.templates.release(templateId, kind)) return;
    const delay = RETRY_DELAYS_MS[attempt];
    if (delay === undefined) {
      this.logger.warn({ templateId }, "a deleted agent's template stays: it is still in use");
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      // Another agent deployed with the same code meanwhile: its template is no longer ours to free.
      void this.#stillUnused(templateId)
        .then((unused) => (unused ? this.#release(templateId, kind, attempt + 1) : undefined))
        .catch((error: unknown) =>
          this.logger.warn({ err: error, templateId }, "template not released"),
        );
    }, delay);
    timer.unref();
    this.#timers.add(timer);
  }

  async #stillUnused(templateId: string): Promise<boolean> {
    const agents = await this.store.list();
    return !agents.some((agent) => agent.versions.some((v) => v.templateId === templateId));
  }
}
