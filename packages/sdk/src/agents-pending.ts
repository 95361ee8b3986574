// TEMPORARY until w3-agents lands these in @sandcaster/protocol (same shapes): then deleted.
export interface AgentSecretsList {
  secrets: { name: string; updatedAt: string }[];
}
export interface AgentLogs {
  version: number;
  status: "building" | "active" | "failed";
  lines: string[];
}
