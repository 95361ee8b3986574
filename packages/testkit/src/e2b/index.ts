// Public surface of the E2B double: a loopback E2B (control plane + envd) the real `e2b` SDK talks to.
export {
  DEFAULT_E2B_API_KEY,
  type E2BDouble,
  type E2BDoubleOptions,
  type E2BFault,
  type E2BSandboxInfo,
  startE2BDouble,
} from "./e2b-double.js";
export {
  type E2BLifecycleEventType,
  e2bLifecyclePayload,
  e2bWebhookSignature,
  type SendWebhookOptions,
} from "./webhooks.js";
