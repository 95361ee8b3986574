// E2B's template build API as the e2b SDK's Template.build calls it: request a build (POST
// /v3/templates), upload COPY archives to the link it hands out, trigger (POST /v2/templates/{id}/
// builds/{build}), poll status with logs, check an alias. Built roots seed later sandboxes.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sendApiError, sendJson } from "./control-plane.js";
import {
  type BuildState,
  type BuildStep,
  baseRoot,
  type LogEntryBody,
  runSteps,
  StepFailed,
} from "./template-steps.js";

type Status = "waiting" | "building" | "ready" | "error";

interface TemplateBuild {
  templateId: string;
  buildId: string;
  name: string;
  status: Status;
  state: BuildState;
  reason?: { message: string; step: string; logEntries: LogEntryBody[] };
}

/** What one double remembers of templates: builds, uploads, and which name means which root. */
export class TemplateBuilds {
  readonly #builds = new Map<string, TemplateBuild>();
  readonly #uploads = new Map<string, Buffer>();
  readonly #dirs: string[] = [];
  readonly #running = new Set<Promise<void>>();
  /** How many builds were triggered (the figure "built once" tests read). */
  triggered = 0;

  constructor(private readonly uploadBase: () => string) {}

  /** The ready build a sandbox create names (by template id or name), if any. */
  ready(ref: string): { root: string; envs: Record<string, string> } | undefined {
    for (const build of this.#builds.values()) {
      if (build.status !== "ready") continue;
      if (build.templateId === ref || build.name === ref || build.name.split(":")[0] === ref) {
        return { root: build.state.root, envs: build.state.envs };
      }
    }
    return undefined;
  }

  /** PUT of an upload link: no API key (a signed URL at E2B). True when it was one. */
  async upload(res: ServerResponse, method: string, url: URL, body: Buffer): Promise<boolean> {
    const match = /^\/_uploads\/([0-9a-f]+)$/.exec(url.pathname);
    if (!match || method !== "PUT") return false;
    this.#uploads.set(match[1] ?? "", body);
    res.writeHead(200, { "content-length": "0" }).end();
    return true;
  }

  /** Serves an authenticated template request; false when the path is not a template route. */
  async handle(
    res: ServerResponse,
    method: string,
    path: string,
    url: URL,
    body: Record<string, unknown>,
  ): Promise<boolean> {
    const files = /^\/templates\/([^/]+)\/files\/([0-9a-f]+)$/.exec(path);
    const trigger = /^\/v2\/templates\/([^/]+)\/builds\/([^/]+)$/.exec(path);
    const status = /^\/templates\/([^/]+)\/builds\/([^/]+)\/status$/.exec(path);
    const alias = /^\/templates\/aliases\/([^/]+)$/.exec(path);
    if (method === "POST" && path === "/v3/templates") {
      const name = typeof body.name === "string" ? body.name : "";
      if (!/^[a-z0-9][a-z0-9._:-]*$/.test(name)) {
        sendApiError(res, 400, "invalid template name");
        return true;
      }
      const templateId = `t${randomBytes(9).toString("hex")}`;
      const buildId = randomBytes(16).toString("hex");
      const state: BuildState = { root: "", envs: {}, workdir: "", user: "user", logs: [] };
      this.#builds.set(buildId, { templateId, buildId, name, status: "waiting", state });
      sendJson(res, 202, { templateID: templateId, buildID: buildId, tags: [], names: [name] });
      return true;
    }
    if (files && method === "GET") {
      const hash = files[2] ?? "";
      const present = this.#uploads.has(hash);
      sendJson(res, 201, {
        present,
        ...(present ? {} : { url: `${this.uploadBase()}/_uploads/${hash}` }),
      });
      return true;
    }
    if (trigger && method === "POST") {
      const build = this.#builds.get(trigger[2] ?? "");
      if (!build || build.templateId !== trigger[1]) {
        sendApiError(res, 404, "build not found");
        return true;
      }
      this.triggered += 1;
      build.status = "building";
      const running = this.#run(build, body).finally(() => this.#running.delete(running));
      this.#running.add(running);
      res.writeHead(202, { "content-length": "0" }).end();
      return true;
    }
    if (status && method === "GET") {
      const build = this.#builds.get(status[2] ?? "");
      if (!build || build.templateId !== status[1]) {
        sendApiError(res, 404, "build not found");
        return true;
      }
      const offset = Number(url.searchParams.get("logsOffset") ?? 0) || 0;
      sendJson(res, 200, {
        buildID: build.buildId,
        templateID: build.templateId,
        status: build.status,
        logEntries: build.state.logs.slice(offset),
        logs: [],
        ...(build.reason ? { reason: build.reason } : {}),
      });
      return true;
    }
    if (alias && method === "GET") {
      const name = decodeURIComponent(alias[1] ?? "");
      const found = [...this.#builds.values()].find(
        (b) => b.status === "ready" && b.name.split(":")[0] === name,
      );
      if (found) sendJson(res, 200, { templateID: found.templateId, public: false });
      else sendApiError(res, 404, `template '${name}' not found`);
      return true;
    }
    return false;
  }

  async #run(build: TemplateBuild, template: Record<string, unknown>): Promise<void> {
    const { state } = build;
    try {
      state.root = await mkdtemp(join(tmpdir(), "e2b-double-template-"));
      this.#dirs.push(state.root);
      const from = typeof template.fromTemplate === "string" ? template.fromTemplate : undefined;
      const base = from ? this.ready(from) : undefined;
      Object.assign(state.envs, base?.envs ?? {});
      await baseRoot(base?.root, state.root);
      const steps = Array.isArray(template.steps) ? (template.steps as BuildStep[]) : [];
      await runSteps(state, steps, this.#uploads);
      build.status = "ready";
    } catch (error) {
      const step = error instanceof StepFailed ? error.step : "base";
      build.reason = {
        message: error instanceof Error ? error.message : String(error),
        step,
        logEntries: state.logs.slice(-20),
      };
      build.status = "error";
    }
  }

  /** Waits for builds still running (their dirs are made as they go), then removes every root. */
  async close(): Promise<void> {
    await Promise.all(this.#running);
    await Promise.all(this.#dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}
