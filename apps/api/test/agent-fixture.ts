// Agents for a test server: their templates built on docker (no network), local (bubblewrap) or the
// E2B double, the agents kept in the server's own database (its SQLite file or PostgreSQL), a
// secrets keyring, and a warm pool per agent. A second fixture on the same database is "another
// instance" or "the same after a restart".
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import {
  AgentService,
  createRunStore,
  type DurableRunStore,
  dockerImageProviders,
  dockerTemplateBuilder,
  e2bTemplateBuilder,
  localTemplateBuilder,
  SecretKeyring,
  type TemplateBuilder,
  TemplateService,
  type TemplateServiceOptions,
} from "@sandcaster/core";
import { SandcasterConfigSchema, type TemplateSpec } from "@sandcaster/protocol";
import type { E2BDouble } from "@sandcaster/testkit";
import { pino } from "pino";
import type { AppDeps } from "../src/app.js";
import { TEST_IMAGE } from "./harness.js";
import { docker } from "./template-fixture.js";

export interface AgentFixtureOptions {
  /** A docker image (docker), or where the agents' templates are built: local or the E2B double. */
  agentBase: string | { local: string } | { e2b: E2BDouble };
  /** The server's database: the SQLite file (storePath of startTestServer) or a PostgreSQL URL. */
  storePath: string;
  databaseUrl?: string | undefined;
  keys?: { current: Buffer; previous?: Buffer[] };
  /** Warm sandboxes per agent (default 0: cold, so tests not about the pool stay lean). */
  poolSize?: number;
  /**
   * Docker builds of this instance never end until it closes: what the other instances see of one
   * that died while building (its versions stay `building`).
   */
  holdBuilds?: boolean;
  /** Wraps each template's sandbox provider (to watch what the server does to agents' sandboxes). */
  wrapProvider?: TemplateServiceOptions["wrapProvider"];
}

/** A builder whose builds wait for their abort (the instance closing), then fail. */
function heldBuilder(inner: TemplateBuilder): TemplateBuilder {
  return {
    ...inner,
    exists: async () => undefined,
    build: (_id, _spec, { signal }) =>
      new Promise((_resolve, reject) => {
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      }),
  };
}

export interface AgentFixture {
  templates: { templates: TemplateService };
  agents: AgentService;
  store: DurableRunStore;
  appDeps: NonNullable<Pick<AppDeps, "templates" | "agents">>;
  /** Stops this instance's agent service (its pools) and store; images stay (see removeImages). */
  close(): Promise<void>;
}

export async function agentFixture(options: AgentFixtureOptions): Promise<AgentFixture> {
  const logger = pino({ level: "silent" });
  const base = options.agentBase;
  const serviceOptions = options.wrapProvider ? { wrapProvider: options.wrapProvider } : {};
  let defaultBase: TemplateSpec["base"];
  let service: TemplateService;
  if (typeof base === "string") {
    defaultBase = { docker: base };
    const builder = dockerTemplateBuilder(docker, { network: "none", provider: { diskMb: 256 } });
    service = new TemplateService(
      options.holdBuilds ? heldBuilder(builder) : builder,
      logger,
      serviceOptions,
    );
  } else if ("local" in base) {
    // `local` is a temp dir of the test: overlays and workspaces go there.
    defaultBase = { local: true };
    service = new TemplateService(
      {
        local: localTemplateBuilder({
          dir: join(base.local, "overlays"),
          provider: {
            isolation: "bwrap",
            diskMb: 256,
            workspacesDir: join(base.local, "workspaces"),
          },
          network: "none",
        }),
      },
      logger,
      serviceOptions,
    );
  } else {
    const double = base.e2b;
    defaultBase = { e2b: "base" };
    service = new TemplateService(
      {
        e2b: e2bTemplateBuilder({
          provider: { apiKey: double.apiKey, apiUrl: double.apiUrl, sandboxUrl: double.sandboxUrl },
          pollMs: 100,
        }),
      },
      logger,
      serviceOptions,
    );
  }
  const templates = { templates: service };
  const store = createRunStore({ databaseUrl: options.databaseUrl, sqlitePath: options.storePath });
  await store.migrate();
  const providerForImage = dockerImageProviders({ diskMb: 256 });
  const keys = options.keys ?? { current: randomBytes(32) };
  const agents = new AgentService({
    templates: service,
    store: store.agents as NonNullable<typeof store.agents>,
    defaultBase,
    keyring: new SecretKeyring(keys.current, keys.previous ?? []),
    // What startTestServer's docker server runs with: a pooled sandbox must fit its runs.
    config: SandcasterConfigSchema.parse({
      sandboxProvider: "docker",
      docker: { image: TEST_IMAGE },
    }),
    pool: { size: options.poolSize ?? 0, maxAgeSecs: 900, logger },
  });
  return {
    templates,
    agents,
    store,
    appDeps: { templates: service, agents: { service: agents, providerForImage } },
    async close() {
      await agents.close();
      await templates.templates.close();
      await store.close();
    },
  };
}
