// What the SDK's agents surface exports: its classes' types and the protocol's agent shapes.
export type {
  AgentInfo,
  AgentInvokeResult,
  AgentManifestInput,
  AgentStatus,
  AgentVersionInfo,
  InvokeAgentRequest,
} from "@sandcaster/protocol";
export type { Agents, DeployAgentInput, InvokeAgentOptions } from "./agents.js";
export type { AgentLogs, AgentSecretsList } from "./agents-pending.js";
export type { AgentSecrets } from "./agents-secrets.js";
