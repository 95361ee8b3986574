// A bash block's info string after the language: `continue-on-error` and `timeout=N` (seconds).
// Anything else is refused, so a misspelt option never runs silently ignored.
import { StepTimeoutSchema } from "@sandcaster/protocol";
import { PlanError } from "../errors/plan-error.js";

export interface StepInfo {
  continueOnError: boolean;
  timeoutSecs: number | undefined;
}

export function parseInfo(meta: string | null | undefined, index: number): StepInfo {
  const info: StepInfo = { continueOnError: false, timeoutSecs: undefined };
  const field = `steps[${index}].info`;
  for (const word of (meta ?? "").split(/\s+/).filter(Boolean)) {
    if (word === "continue-on-error") {
      info.continueOnError = true;
      continue;
    }
    const [key, value] = word.split("=", 2);
    if (key === "timeout" && value !== undefined) {
      const parsed = StepTimeoutSchema.safeParse(Number(value));
      if (!parsed.success) {
        throw new PlanError(field, `timeout must be a whole number of seconds, 1..3600`);
      }
      info.timeoutSecs = parsed.data;
      continue;
    }
    throw new PlanError(
      field,
      `unknown option "${word}" (known: continue-on-error, timeout=SECONDS)`,
    );
  }
  return info;
}
