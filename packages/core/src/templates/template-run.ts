// A run's sandbox provider when its request names a template: the template's own (its base says
// which kind), refused with a 400 naming `template` when it cannot apply.
import type { QueryRequest } from "@sandcaster/protocol";
import { PlanError } from "../errors/plan-error.js";
import type { SandboxProvider } from "../sandbox/sandbox.js";
import type { TemplateService } from "./template-service.js";

export function templateRunProvider(
  templates: TemplateService | undefined,
  request: QueryRequest & { template: string },
): SandboxProvider {
  if (!templates) throw new PlanError("template", "templates are not enabled on this server");
  const provider = templates.provider(request.template);
  const name = JSON.stringify(request.template);
  if (request.sandboxProvider && request.sandboxProvider !== provider.name) {
    throw new PlanError(
      "template",
      `template ${name} runs on ${provider.name}, not on sandboxProvider "${request.sandboxProvider}"`,
    );
  }
  if (request.apiKeys?.e2b) {
    throw new PlanError(
      "template",
      `template ${name} is built on this server's E2B account: it cannot run with apiKeys.e2b`,
    );
  }
  if (request.sessionId) {
    throw new PlanError(
      "template",
      "a session keeps the sandbox it started with: template cannot be combined with sessionId",
    );
  }
  return provider;
}
