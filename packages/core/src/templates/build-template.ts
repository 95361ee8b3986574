// The one call other features (custom agents) build on: a spec in, a ready template and the
// sandbox provider of its sandboxes out, built at most once per spec hash.
import type { TemplateInfo, TemplateSpec, TemplateSpecInput } from "@sandcaster/protocol";
import type { SandboxProvider } from "../sandbox/sandbox.js";
import { TemplateBuildError } from "./template-build-error.js";
import type { TemplateService } from "./template-service.js";

export interface BuiltTemplate {
  info: TemplateInfo;
  /** Creates sandboxes from the template (one provider per template, shared by every caller). */
  provider: SandboxProvider;
}

/**
 * Builds the template of `spec` (or finds it built) and waits for the build. Throws PlanError
 * (field `spec.base` or the offending field) when this server cannot build that base, and
 * TemplateBuildError (step, exit code, output tail) when the build failed.
 */
export async function buildTemplate(
  templates: TemplateService,
  spec: TemplateSpecInput | TemplateSpec,
  options: { name?: string } = {},
): Promise<BuiltTemplate> {
  const started = templates.ensure(spec, options.name);
  const info = (await templates.wait(started.id)) ?? started;
  if (info.status !== "ready") {
    const failure = info.failure ?? {
      step: "build",
      exitCode: null,
      outputTail: "",
      message: `template ${info.id} did not become ready`,
    };
    throw new TemplateBuildError(failure, failure.message);
  }
  return { info, provider: templates.provider(info.id) };
}
