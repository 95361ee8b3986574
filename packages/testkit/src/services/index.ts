// Outside services in tests: skip without them (one line each), fail without them in CI.
// The globalSetup half lives at "@sandcaster/testkit/services-setup" (no vitest runtime there).
export { hiddenByEnv, required, SERVICES, type Service, skipLine } from "./catalog.js";
export { bwrapMissing, CHROMIUM_PATH, serviceMissing } from "./detect.js";
export { hasService } from "./guard.js";
