// What the SDK's agents surface exports: its classes' types and the protocol's agent shapes.
export type {
  AgentInfo,
  AgentInvokeResult,
  AgentLogs,
  AgentManifestInput,
  AgentSecretsList,
  AgentStatus,
  AgentVersionInfo,
  InvokeAgentRequest,
} from "@sandcaster/protocol";
export type { Agents, DeployAgentInput, InvokeAgentOptions } from "./agents.js";
export type { AgentSecrets } from "./agents-secrets.js";
