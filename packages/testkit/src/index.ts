// Public surface of @sandcaster/testkit: scripted model API doubles the real SDKs can talk to.
export { startAnthropicDouble } from "./anthropic-double.js";
export { buildNpmBaseImage } from "./docker/npm-image.js";
export * from "./e2b/index.js";
export { startGeminiDouble } from "./gemini-double.js";
export { EXHAUSTED_MESSAGE } from "./http-double.js";
export { modulesLoadedBy } from "./loaded-modules.js";
export * from "./netns/index.js";
export { startOpenAIDouble } from "./openai-double.js";
export {
  type AttributeValue,
  decodeOtlpJson,
  type OtlpReceiver,
  type ReceivedSpan,
  startOtlpReceiver,
} from "./otlp-receiver.js";
export { pidsWithCommandLine } from "./processes.js";
export type {
  DoubleOptions,
  ModelDouble,
  RecordedRequest,
  ScriptedToolCall,
  ScriptedTurn,
  ScriptedUsage,
} from "./script.js";
export * from "./scripted-sandbox/index.js";
export { outageError, type StoreOutage, withStoreOutage } from "./store-outage.js";
