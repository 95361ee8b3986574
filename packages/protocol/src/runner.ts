// The runner's slice of the protocol (`@sandcaster/protocol/runner`): the same schemas and
// constants as the package's root, only the modules the in-sandbox runner uses. Its bundle
// builds every zod schema it includes at startup, so leaving the server-side ones out shortens
// each cold boot (the runner's build maps its `@sandcaster/protocol` imports here).
export * from "./branching.js";
export * from "./composite.js";
export * from "./enums.js";
export * from "./error-codes.js";
export * from "./gateway.js";
export * from "./models.js";
export * from "./output-format.js";
export * from "./pricing.js";
export * from "./runner-config.js";
export * from "./runner-start.js";
export * from "./session.js";
export * from "./skills.js";
export * from "./subagents.js";
export * from "./tools.js";
export * from "./usage.js";
export * from "./validation.js";
