// A template build that failed: which step, its exit code and the end of its output.
import type { TemplateBuildFailure } from "@sandcaster/protocol";

const MARKER = Symbol.for("sandcaster.template-build-error");

export class TemplateBuildError extends Error {
  readonly [MARKER] = true;
  readonly failure: TemplateBuildFailure;

  constructor(failure: Omit<TemplateBuildFailure, "message">, message?: string) {
    const text =
      message ??
      `template build step ${failure.step} failed` +
        (failure.exitCode === null ? "" : ` with exit code ${failure.exitCode}`);
    super(text);
    this.name = "TemplateBuildError";
    this.failure = { ...failure, message: text };
  }

  static isInstance(value: unknown): value is TemplateBuildError {
    return typeof value === "object" && value !== null && MARKER in value;
  }
}
