// Custom agents: POST /agents (deploy a version), GET /agents[/:name], POST /agents/:name/rollback,
// DELETE /agents/:name, GET /agents/:name/logs (a version's build log), secrets (values go in,
// never out; POST /agents/secrets/rotate re-seals under the current key), and
// POST /agents/:name/invoke (SSE, or JSON with ?wait=true) in agents-invoke.ts.
import type { AgentService, SandboxProvider } from "@sandcaster/core";
import {
  AgentLogsQuerySchema,
  AgentNameSchema,
  DeployAgentRequestSchema,
  RollbackAgentRequestSchema,
  SecretKeySchema,
  SecretValueRequestSchema,
} from "@sandcaster/protocol";
import { Hono } from "hono";
import { HttpError } from "../http-error.js";
import { type AgentsInvokeDeps, agentsInvokeRoute } from "./agents-invoke.js";
import { parsedParam } from "./agents-params.js";
import { buildLogSse } from "./build-log-sse.js";
import { readJsonBody } from "./read-query-request.js";

export interface AgentsRouteDeps extends Omit<AgentsInvokeDeps, "service"> {
  agents: AgentService | undefined;
  /**
   * AppDeps still passes the docker provider of an image; invocations now take their provider
   * from the version's template (any kind), so the route does not use it.
   */
  providerForImage?: ((image: string) => SandboxProvider) | undefined;
}

export function agentsRoute(deps: AgentsRouteDeps): Hono {
  const app = new Hono();
  const service = (): AgentService => {
    if (!deps.agents) {
      throw new HttpError(404, "NOT_FOUND", "custom agents are not enabled on this server");
    }
    return deps.agents;
  };
  const name = (value: string) => parsedParam(AgentNameSchema, value, "name");

  app.post("/agents", async (c) => {
    const agents = service();
    const request = await readJsonBody(c, DeployAgentRequestSchema);
    const info = await agents.deploy(request.manifest, Buffer.from(request.archive, "base64"));
    return c.json(info, 202);
  });
  app.get("/agents", async (c) => c.json({ agents: await service().list() }));
  // An agent may be named "secrets": its routes are GET/DELETE /agents/secrets, never this POST.
  app.post("/agents/secrets/rotate", async (c) => c.json(await service().rotateSecrets()));
  app.get("/agents/:name", async (c) => c.json(await service().get(name(c.req.param("name")))));
  app.delete("/agents/:name", async (c) => {
    await service().remove(name(c.req.param("name")));
    return c.body(null, 204);
  });
  app.post("/agents/:name/rollback", async (c) => {
    const agents = service();
    const agent = name(c.req.param("name"));
    const { version } = await readJsonBody(c, RollbackAgentRequestSchema);
    return c.json(await agents.rollback(agent, version));
  });

  app.get("/agents/:name/logs", async (c) => {
    const agents = service();
    const agent = name(c.req.param("name"));
    const query = AgentLogsQuerySchema.safeParse({
      ...(c.req.query("version") === undefined ? {} : { version: c.req.query("version") }),
    });
    if (!query.success) {
      throw new HttpError(400, "INVALID_REQUEST", "version: not a version number", {
        details: [{ field: "version", message: "a whole number ≥ 1" }],
      });
    }
    if ((c.req.header("accept") ?? "").includes("application/json")) {
      return c.json(await agents.buildLogLines(agent, query.data.version));
    }
    const log = await agents.buildLog(agent, query.data.version);
    // The last frame is the version's status.
    return buildLogSse(c, { follow: log.follow, status: log.info });
  });

  app.get("/agents/:name/secrets", async (c) =>
    c.json(await service().secrets(name(c.req.param("name")))),
  );
  app.put("/agents/:name/secrets/:key", async (c) => {
    const agents = service();
    const agent = name(c.req.param("name"));
    const key = parsedParam(SecretKeySchema, c.req.param("key"), "key");
    const { value } = await readJsonBody(c, SecretValueRequestSchema);
    await agents.setSecret(agent, key, value);
    return c.body(null, 204);
  });
  app.delete("/agents/:name/secrets/:key", async (c) => {
    const agent = name(c.req.param("name"));
    const key = parsedParam(SecretKeySchema, c.req.param("key"), "key");
    if (!(await service().deleteSecret(agent, key))) {
      throw new HttpError(404, "NOT_FOUND", `agent ${agent} has no secret ${key}`);
    }
    return c.body(null, 204);
  });

  app.route("/", agentsInvokeRoute({ ...deps, service }));
  return app;
}
