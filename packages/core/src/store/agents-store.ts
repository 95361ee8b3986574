// Custom agents in the run store's database (migration 0012), so every instance on the same
// database sees the same agents and a restart keeps them. The store keeps text: manifests and
// sealed secrets are JSON the agent service writes and reads; no secret value ever reaches it.
import type { ColumnType, Kysely, Selectable } from "kysely";
import { epochMs } from "./run-row.js";
import type { Database, EpochMsColumn } from "./schema.js";

export interface AgentsTable {
  name: string;
  active_version: number | null;
  created_at: EpochMsColumn;
}

export interface AgentVersionsTable {
  agent: string;
  version: number;
  manifest: string;
  template_id: string;
  /** JSON text of the template spec (migration 0013). */
  spec: ColumnType<string | null, string | null | undefined, string | null>;
  image: ColumnType<string | null, string | null | undefined, string | null>;
  status: string;
  failure: ColumnType<string | null, string | null | undefined, string | null>;
  build_log: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: EpochMsColumn;
}

export interface AgentSecretsTable {
  agent: string;
  key: string;
  sealed: string;
  updated_at: EpochMsColumn;
}

type AgentsDatabase = Database & {
  agents: AgentsTable;
  agent_versions: AgentVersionsTable;
  agent_secrets: AgentSecretsTable;
};

export interface StoredAgentVersion {
  version: number;
  /** JSON text of the manifest. */
  manifest: string;
  templateId: string;
  /** JSON text of the template spec (absent on versions made before migration 0013). */
  spec: string | undefined;
  image: string | undefined;
  status: string;
  /** JSON text of the build failure. */
  failure: string | undefined;
  buildLog: string[];
  createdAt: Date;
}

export interface StoredAgentSecret {
  key: string;
  /** JSON text of the sealed value. */
  sealed: string;
  updatedAt: Date;
}

export interface StoredAgent {
  name: string;
  activeVersion: number | undefined;
  createdAt: Date;
  /** Oldest first. */
  versions: StoredAgentVersion[];
  secrets: StoredAgentSecret[];
}

export interface NewAgentVersion {
  manifest: string;
  templateId: string;
  spec: string;
  createdAt: Date;
}

export type AgentBuildEnd =
  | { status: "active"; image: string; buildLog: readonly string[] }
  | { status: "failed"; failure: string; buildLog: readonly string[] };

export interface AgentStore {
  /** Records the next version of `name` (creating the agent); its number (1, 2, …). */
  addVersion(name: string, version: NewAgentVersion): Promise<number>;
  /**
   * Ends a version's build, once: a version no longer `building` keeps its first end (an instance
   * that took over a build and one that was only slow may both end it). A version that built becomes
   * the active one unless a later version already is (a redeploy wins over a rollback once it built).
   */
  endBuild(name: string, version: number, end: AgentBuildEnd): Promise<void>;
  /** Makes `version` the one invoked; false when the agent or version does not exist. */
  setActive(name: string, version: number): Promise<boolean>;
  get(name: string): Promise<StoredAgent | undefined>;
  /** By name. */
  list(): Promise<StoredAgent[]>;
  /** Removes the agent, its versions and its secrets; false when there was none. */
  remove(name: string): Promise<boolean>;
  putSecret(name: string, secret: StoredAgentSecret): Promise<void>;
  deleteSecret(name: string, key: string): Promise<boolean>;
  /** Every sealed secret of every agent (key rotation). */
  allSecrets(): Promise<(StoredAgentSecret & { agent: string })[]>;
  /** Replaces a sealed value only if it is still `previous` (another instance may rotate too). */
  resealSecret(name: string, key: string, previous: string, next: string): Promise<boolean>;
}

/** How many times addVersion retries when another instance took the same number. */
const VERSION_RACE_TRIES = 5;

function versionFrom(row: Selectable<AgentVersionsTable>): StoredAgentVersion {
  return {
    version: Number(row.version),
    manifest: row.manifest,
    templateId: row.template_id,
    spec: row.spec ?? undefined,
    image: row.image ?? undefined,
    status: row.status,
    failure: row.failure ?? undefined,
    buildLog: row.build_log ? (JSON.parse(row.build_log) as string[]) : [],
    createdAt: new Date(epochMs(row.created_at)),
  };
}

export function createAgentStore(base: Kysely<Database>): AgentStore {
  const db = base as unknown as Kysely<AgentsDatabase>;

  async function load(names: readonly string[]): Promise<StoredAgent[]> {
    if (names.length === 0) return [];
    const [agents, versions, secrets] = await Promise.all([
      db.selectFrom("agents").selectAll().where("name", "in", names).orderBy("name").execute(),
      db
        .selectFrom("agent_versions")
        .selectAll()
        .where("agent", "in", names)
        .orderBy("version")
        .execute(),
      db
        .selectFrom("agent_secrets")
        .selectAll()
        .where("agent", "in", names)
        .orderBy("key")
        .execute(),
    ]);
    return agents.map((row) => ({
      name: row.name,
      activeVersion: row.active_version === null ? undefined : Number(row.active_version),
      createdAt: new Date(epochMs(row.created_at)),
      versions: versions.filter((v) => v.agent === row.name).map(versionFrom),
      secrets: secrets
        .filter((s) => s.agent === row.name)
        .map((s) => ({
          key: s.key,
          sealed: s.sealed,
          updatedAt: new Date(epochMs(s.updated_at)),
        })),
    }));
  }

  return {
    async addVersion(name, version) {
      const at = version.createdAt.getTime();
      for (let attempt = 1; ; attempt++) {
        try {
          return await db.transaction().execute(async (trx) => {
            await trx
              .insertInto("agents")
              .values({ name, active_version: null, created_at: at })
              .onConflict((oc) => oc.column("name").doNothing())
              .execute();
            const newest = await trx
              .selectFrom("agent_versions")
              .select((eb) => eb.fn.max("version").as("newest"))
              .where("agent", "=", name)
              .executeTakeFirst();
            const number = Number(newest?.newest ?? 0) + 1;
            await trx
              .insertInto("agent_versions")
              .values({
                agent: name,
                version: number,
                manifest: version.manifest,
                template_id: version.templateId,
                spec: version.spec,
                status: "building",
                created_at: at,
              })
              .execute();
            return number;
          });
        } catch (error) {
          // Two instances deploying the same agent at once: the primary key refused one; again.
          if (attempt >= VERSION_RACE_TRIES) throw error;
        }
      }
    },

    async endBuild(name, version, end) {
      await db.transaction().execute(async (trx) => {
        const ended = await trx
          .updateTable("agent_versions")
          .set({
            status: end.status,
            image: end.status === "active" ? end.image : null,
            failure: end.status === "failed" ? end.failure : null,
            build_log: JSON.stringify(end.buildLog),
          })
          .where("agent", "=", name)
          .where("version", "=", version)
          .where("status", "=", "building")
          .executeTakeFirst();
        if (ended.numUpdatedRows === 0n) return;
        if (end.status === "active") {
          await trx
            .updateTable("agents")
            .set({ active_version: version })
            .where("name", "=", name)
            .where((eb) =>
              eb.or([eb("active_version", "is", null), eb("active_version", "<", version)]),
            )
            .execute();
        }
      });
    },

    async setActive(name, version) {
      const result = await db
        .updateTable("agents")
        .set({ active_version: version })
        .where("name", "=", name)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom("agent_versions")
              .select("version")
              .where("agent", "=", name)
              .where("version", "=", version),
          ),
        )
        .executeTakeFirst();
      return (result.numUpdatedRows ?? 0n) > 0n;
    },

    async get(name) {
      return (await load([name]))[0];
    },

    async list() {
      const rows = await db.selectFrom("agents").select("name").orderBy("name").execute();
      return load(rows.map((row) => row.name));
    },

    async remove(name) {
      return db.transaction().execute(async (trx) => {
        await trx.deleteFrom("agent_secrets").where("agent", "=", name).execute();
        await trx.deleteFrom("agent_versions").where("agent", "=", name).execute();
        const result = await trx.deleteFrom("agents").where("name", "=", name).executeTakeFirst();
        return (result.numDeletedRows ?? 0n) > 0n;
      });
    },

    async putSecret(name, secret) {
      const values = {
        agent: name,
        key: secret.key,
        sealed: secret.sealed,
        updated_at: secret.updatedAt.getTime(),
      };
      await db
        .insertInto("agent_secrets")
        .values(values)
        .onConflict((oc) =>
          oc
            .columns(["agent", "key"])
            .doUpdateSet({ sealed: values.sealed, updated_at: values.updated_at }),
        )
        .execute();
    },

    async deleteSecret(name, key) {
      const result = await db
        .deleteFrom("agent_secrets")
        .where("agent", "=", name)
        .where("key", "=", key)
        .executeTakeFirst();
      return (result.numDeletedRows ?? 0n) > 0n;
    },

    async allSecrets() {
      const rows = await db
        .selectFrom("agent_secrets")
        .selectAll()
        .orderBy("agent")
        .orderBy("key")
        .execute();
      return rows.map((row) => ({
        agent: row.agent,
        key: row.key,
        sealed: row.sealed,
        updatedAt: new Date(epochMs(row.updated_at)),
      }));
    },

    async resealSecret(name, key, previous, next) {
      const result = await db
        .updateTable("agent_secrets")
        .set({ sealed: next })
        .where("agent", "=", name)
        .where("key", "=", key)
        .where("sealed", "=", previous)
        .executeTakeFirst();
      return (result.numUpdatedRows ?? 0n) > 0n;
    },
  };
}
