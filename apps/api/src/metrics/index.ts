// Prometheus metrics of the server: createMetrics() and its bounded label helpers.

export { NONE, OTHER, providerLabel, sandboxLabel, statusLabel } from "./labels.js";
export {
  createMetrics,
  DEFAULT_METRICS_PREFIX,
  type Metrics,
  type MetricsOptions,
  RUN_DURATION_BUCKETS,
  type RunFinished,
  type RunLabels,
  SANDBOX_ACQUIRE_BUCKETS,
} from "./metrics.js";
