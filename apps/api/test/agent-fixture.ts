// Agents for a test server on docker: the templates of template-fixture.ts, the agents kept in the
// server's own database (its SQLite file or PostgreSQL), a secrets keyring, and a warm pool per
// agent. A second fixture on the same database is "another instance" or "the same after a restart".
import { randomBytes } from "node:crypto";
import {
  AgentService,
  createRunStore,
  type DurableRunStore,
  dockerImageProviders,
  SecretKeyring,
} from "@sandcaster/core";
import { SandcasterConfigSchema } from "@sandcaster/protocol";
import { pino } from "pino";
import type { AppDeps } from "../src/app.js";
import { TEST_IMAGE } from "./harness.js";
import { type TemplateFixture, templateFixture } from "./template-fixture.js";

export interface AgentFixtureOptions {
  agentBase: string;
  /** The server's database: the SQLite file (storePath of startTestServer) or a PostgreSQL URL. */
  storePath: string;
  databaseUrl?: string | undefined;
  keys?: { current: Buffer; previous?: Buffer[] };
  /** Warm sandboxes per agent (default 0: cold, so tests not about the pool stay lean). */
  poolSize?: number;
}

export interface AgentFixture {
  templates: TemplateFixture;
  agents: AgentService;
  store: DurableRunStore;
  appDeps: NonNullable<Pick<AppDeps, "templates" | "agents">>;
  /** Stops this instance's agent service (its pools) and store; images stay (see removeImages). */
  close(): Promise<void>;
}

export async function agentFixture(options: AgentFixtureOptions): Promise<AgentFixture> {
  const templates = templateFixture();
  const store = createRunStore({ databaseUrl: options.databaseUrl, sqlitePath: options.storePath });
  await store.migrate();
  const providerForImage = dockerImageProviders({ diskMb: 256 });
  const keys = options.keys ?? { current: randomBytes(32) };
  const agents = new AgentService({
    templates: templates.templates,
    store: store.agents as NonNullable<typeof store.agents>,
    defaultBase: { docker: options.agentBase },
    keyring: new SecretKeyring(keys.current, keys.previous ?? []),
    providerForImage,
    // What startTestServer's docker server runs with: a pooled sandbox must fit its runs.
    config: SandcasterConfigSchema.parse({
      sandboxProvider: "docker",
      docker: { image: TEST_IMAGE },
    }),
    pool: { size: options.poolSize ?? 0, maxAgeSecs: 900, logger: pino({ level: "silent" }) },
  });
  return {
    templates,
    agents,
    store,
    appDeps: { templates: templates.templates, agents: { service: agents, providerForImage } },
    async close() {
      await agents.close();
      await templates.templates.close();
      await store.close();
    },
  };
}
