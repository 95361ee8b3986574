// Templates: content-addressed sandbox bases (see protocol templates.ts), built on docker, locally
// (an overlay bubblewrap mounts) or on E2B.
export { type BuiltTemplate, buildTemplate } from "./build-template.js";
export { buildDockerTemplate, buildSteps, TEMPLATE_LABEL } from "./docker-template-build.js";
export {
  type DockerTemplateBuilderOptions,
  dockerTemplateBuilder,
} from "./docker-template-builder.js";
export {
  type E2BTemplateBuilderOptions,
  e2bTemplateBuilder,
  e2bTemplateName,
} from "./e2b-template-builder.js";
export {
  type LocalTemplateBuilderOptions,
  localTemplateBuilder,
} from "./local-template-builder.js";
export { TemplateBuildError } from "./template-build-error.js";
export { TEMPLATE_REPOSITORY, templateId, templateImage } from "./template-id.js";
export { templatePools } from "./template-pools.js";
export { templateRunProvider } from "./template-run.js";
export {
  type TemplateBuilder,
  type TemplateBuilders,
  TemplateService,
  type TemplateServiceOptions,
} from "./template-service.js";
export { createTemplateService, type TemplateServiceInput } from "./template-services.js";
