// The tools and system prompt sections a run's config adds beside the built-in tools: read_skill
// when it has skills, task when it has sub-agents (which get read_skill too, but never task).
import type { ModelProvider, RunnerConfig, RunnerSubAgent, ToolName } from "@sandcaster/protocol";
import type { Emit } from "../emit.js";
import type { ModelConversation } from "../models/model-conversation.js";
import { readSkillTool, skillsPromptSection } from "../skills/read-skill-tool.js";
import { buildSystemPrompt } from "../system-prompt.js";
import { selectTools } from "../tools/index.js";
import type { ToolContext, ToolDefinition } from "../tools/tool.js";
import { SubAgentUsage, taskTool } from "./task-tool.js";

export interface AgentAddons {
  tools: ToolDefinition[];
  promptSections: string[];
  /** What sub-agents used so far (zero without any). */
  usage: SubAgentUsage;
}

export interface AgentAddonsDeps {
  emit: Emit;
  toolContext(): ToolContext;
  /** A conversation with `model` of `provider` (default the run's; through the gateway if any). */
  connect(
    model: string,
    settings: { system: string; tools: readonly ToolDefinition[] },
    provider?: ModelProvider | undefined,
  ): Promise<ModelConversation>;
}

export function agentAddons(config: RunnerConfig, deps: AgentAddonsDeps): AgentAddons {
  const skillTools = config.skills ? [readSkillTool(config.skills)] : [];
  const promptSections = config.skills ? [skillsPromptSection(config.skills)] : [];
  const usage = new SubAgentUsage();
  const agents = config.agents ?? {};
  if (Object.keys(agents).length === 0) return { tools: skillTools, promptSections, usage };

  const start = async (_name: string, agent: RunnerSubAgent) => {
    const tools = [...selectTools(agent.allowedTools as ToolName[]), ...skillTools];
    const system = buildSystemPrompt({
      systemPrompt: agent.systemPrompt,
      cwd: config.cwd,
      toolNames: tools.map((tool) => tool.name),
      sections: promptSections,
    });
    const conversation = await deps.connect(agent.model, { system, tools }, agent.provider);
    return { conversation, tools };
  };
  const task = taskTool({
    agents,
    start,
    emit: deps.emit,
    modelRetries: config.limits.modelRetries,
    toolContext: deps.toolContext,
    usage,
  });
  return { tools: [...skillTools, task], promptSections, usage };
}
