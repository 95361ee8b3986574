// Refusals as the run's `warning` events (code EGRESS_DENIED), bounded per run: an agent retrying
// in a loop must not flood the event log, while the metric still counts every refusal.
import { ERROR_CODES, type WarningEvent } from "@sandcaster/protocol";
import type { EgressDenial } from "./admit.js";

export const MAX_EGRESS_WARNINGS = 50;

export function egressDeniedWarning(host: string, denial: EgressDenial): WarningEvent {
  const target =
    denial.port === undefined ? host : `${host.includes(":") ? `[${host}]` : host}:${denial.port}`;
  return {
    type: "warning",
    code: ERROR_CODES.EGRESS_DENIED,
    content: `egress refused: ${target}: ${denial.message}`,
  };
}

/**
 * An onDenied for createEgressProxy: every refusal is counted (`count`), the first `max` become
 * warnings, then one more says how the rest are only counted.
 */
export function createDenialReporter(settings: {
  emit: (warning: WarningEvent) => void;
  count?: (denial: EgressDenial) => void;
  max?: number;
}): (host: string, denial: EgressDenial) => void {
  const max = settings.max ?? MAX_EGRESS_WARNINGS;
  let seen = 0;
  return function reportDenied(host, denial) {
    settings.count?.(denial);
    seen++;
    if (seen <= max) {
      settings.emit(egressDeniedWarning(host, denial));
    } else if (seen === max + 1) {
      settings.emit({
        type: "warning",
        code: ERROR_CODES.EGRESS_DENIED,
        content: `egress refused more than ${max} times; further refusals are counted in /metrics only`,
      });
    }
  };
}
