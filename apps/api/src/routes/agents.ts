// Custom agents: POST /agents (deploy a version), GET /agents[/:name], PUT|DELETE
// /agents/:name/secrets/:key (values go in, never out), POST /agents/:name/invoke (SSE, or JSON
// with ?wait=true). An invocation is a run: slots, metrics, /runs (kind "agent"), cancel, replay.
import {
  type AgentService,
  invokeAgent,
  type RunSlots,
  type SandboxProvider,
  type StartRunServices,
} from "@sandcaster/core";
import {
  type AgentInvokeResult,
  AgentNameSchema,
  DeployAgentRequestSchema,
  InvokeAgentRequestSchema,
  SecretKeySchema,
  SecretValueRequestSchema,
} from "@sandcaster/protocol";
import { Hono } from "hono";
import { HttpError } from "../http-error.js";
import type { Metrics } from "../metrics/index.js";
import { readJsonBody } from "./read-query-request.js";
import { admitRun, refuseWhileDraining } from "./run-admission.js";
import { observeRun } from "./run-metrics.js";
import { streamRunEvents, writeEvents } from "./sse-stream.js";

export interface AgentsRouteDeps {
  agents: AgentService | undefined;
  /** The sandbox provider of a template image (docker: one per image). */
  providerForImage: ((image: string) => SandboxProvider) | undefined;
  runs: StartRunServices;
  slots: RunSlots;
  metrics: Metrics;
  heartbeatMs: number;
  isDraining: () => boolean;
}

function parsed<T>(
  schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } },
  value: string,
  field: string,
): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new HttpError(400, "INVALID_REQUEST", `${field}: ${JSON.stringify(value)} is not valid`, {
      details: [{ field, message: "not valid" }],
    });
  }
  return result.data;
}

export function agentsRoute(deps: AgentsRouteDeps): Hono {
  const app = new Hono();
  const service = (): AgentService => {
    if (!deps.agents || !deps.providerForImage) {
      throw new HttpError(404, "NOT_FOUND", "custom agents are not enabled on this server");
    }
    return deps.agents;
  };

  app.post("/agents", async (c) => {
    const agents = service();
    const request = await readJsonBody(c, DeployAgentRequestSchema);
    const info = await agents.deploy(request.manifest, Buffer.from(request.archive, "base64"));
    return c.json(info, 202);
  });
  app.get("/agents", (c) => c.json({ agents: service().list() }));
  app.get("/agents/:name", (c) => c.json(service().get(c.req.param("name"))));

  app.put("/agents/:name/secrets/:key", async (c) => {
    const agents = service();
    const name = parsed(AgentNameSchema, c.req.param("name"), "name");
    const key = parsed(SecretKeySchema, c.req.param("key"), "key");
    const { value } = await readJsonBody(c, SecretValueRequestSchema);
    agents.setSecret(name, key, value);
    return c.body(null, 204);
  });
  app.delete("/agents/:name/secrets/:key", (c) => {
    const removed = service().deleteSecret(c.req.param("name"), c.req.param("key"));
    if (!removed) throw new HttpError(404, "NOT_FOUND", `no secret ${c.req.param("key")}`);
    return c.body(null, 204);
  });

  app.post("/agents/:name/invoke", async (c) => {
    const agents = service();
    refuseWhileDraining(deps.isDraining);
    const request = await readJsonBody(c, InvokeAgentRequestSchema);
    const target = agents.target(c.req.param("name"));
    const provider = (deps.providerForImage as (image: string) => SandboxProvider)(target.image);
    const wait = c.req.query("wait") === "true";
    const run = await invokeAgent(target, request, deps.runs, provider, {
      admit: () => admitRun(deps.slots, deps.metrics, deps.isDraining, c.req.raw.signal),
      onSandboxReady: (seconds) =>
        deps.metrics.sandboxAcquired({ sandbox: provider.name, seconds }),
    });
    observeRun(deps.metrics, run);
    if (wait) {
      let error: AgentInvokeResult["error"];
      for await (const batch of run.events.batches()) {
        for (const { event } of batch) {
          if (event.type === "error")
            error ??= { code: event.code ?? "INTERNAL", message: event.content };
        }
      }
      await run.done.catch(() => undefined);
      const outcome = run.outcome();
      const body: AgentInvokeResult = {
        runId: run.runId,
        output: outcome?.output ?? "",
        exitCode: outcome?.exitCode ?? null,
        durationSecs: outcome?.durationSecs ?? 0,
        ...(error ? { error } : {}),
      };
      return c.json(body);
    }
    const { heartbeatMs, metrics } = deps;
    return streamRunEvents(c, { runId: run.runId, heartbeatMs, metrics }, async (stream) => {
      stream.onAbort(() => run.cancel("the client disconnected"));
      try {
        for await (const batch of run.events.batches()) {
          if (!(await writeEvents(stream, batch))) break;
        }
      } finally {
        await run.done.catch(() => undefined);
      }
    });
  });
  return app;
}
