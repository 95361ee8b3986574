// Templates: content-addressed sandbox images (see protocol templates.ts).
export { buildDockerTemplate, buildSteps, TEMPLATE_LABEL } from "./docker-template-build.js";
export { dockerTemplateBuilder } from "./docker-template-builder.js";
export { TemplateBuildError } from "./template-build-error.js";
export { TEMPLATE_REPOSITORY, templateId, templateImage } from "./template-id.js";
export { type TemplateBuilder, TemplateService } from "./template-service.js";
