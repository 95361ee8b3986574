// What the routes show of a stored agent: versions with their status, the active one, secret
// names (never values).
import {
  type AgentInfo,
  type AgentManifest,
  AgentManifestSchema,
  type AgentStatus,
  type AgentVersionInfo,
} from "@sandcaster/protocol";
import type { StoredAgent, StoredAgentVersion } from "../store/agents-store.js";

export function manifestOf(version: StoredAgentVersion): AgentManifest {
  return AgentManifestSchema.parse(JSON.parse(version.manifest));
}

function statusOf(version: StoredAgentVersion): AgentStatus {
  return version.status === "active" || version.status === "failed" ? version.status : "building";
}

export function versionInfo(version: StoredAgentVersion): AgentVersionInfo {
  const failure = version.failure
    ? (JSON.parse(version.failure) as AgentVersionInfo["failure"])
    : undefined;
  return {
    version: version.version,
    templateId: version.templateId,
    status: statusOf(version),
    createdAt: version.createdAt.toISOString(),
    entrypoint: manifestOf(version).entrypoint,
    ...(failure ? { failure } : {}),
  };
}

/** The version invocations use: the active one, if it built. */
export function activeVersion(agent: StoredAgent): StoredAgentVersion | undefined {
  const active = agent.versions.find((v) => v.version === agent.activeVersion);
  return active?.status === "active" && active.image ? active : undefined;
}

export function agentInfo(agent: StoredAgent): AgentInfo {
  const newest = agent.versions.at(-1);
  const active = activeVersion(agent);
  const manifest = active ? manifestOf(active) : newest ? manifestOf(newest) : undefined;
  return {
    name: agent.name,
    ...(active ? { activeVersion: active.version } : {}),
    status: newest ? statusOf(newest) : "failed",
    entrypoint: manifest?.entrypoint ?? [],
    secrets: {
      declared: manifest?.secrets ?? [],
      set: agent.secrets.map((secret) => secret.key).sort(),
    },
    versions: agent.versions.map(versionInfo),
  };
}
