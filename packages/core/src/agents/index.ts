// Custom agents: deploy code as a template, invoke it with a prompt on stdin (see protocol agents.ts).
export { AGENT_DIR, agentFiles, installCommands } from "./agent-archive.js";
export { type AgentExecOutcome, agentExec } from "./agent-exec.js";
export { type AgentLimits, agentPoolLimits, agentSandboxConfig } from "./agent-limits.js";
export { type AgentPoolSettings, AgentPools } from "./agent-pools.js";
export { AgentService, type AgentServiceOptions, type AgentTarget } from "./agent-service.js";
export { type AgentServicesInput, createAgentServices, keyringFromEnv } from "./agent-services.js";
export { dockerImageProviders } from "./image-providers.js";
export { type AgentInvocation, type AgentInvokeInput, invokeAgent } from "./invoke-agent.js";
export { parseSecretsKey, SECRETS_KEY_HINT, SecretBox } from "./secret-box.js";
export { parsePreviousKeys, SecretKeyring } from "./secret-keyring.js";
