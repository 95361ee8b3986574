import type { ErrorEvent, ResultEvent } from "@sandcaster/protocol";
import { describe, expect, it } from "vitest";
import { RunError } from "./run-error.js";
import { type Ending, lastEvent } from "./settle-run.js";

const result: ResultEvent = { type: "result", content: "done" };
const runnerError: ErrorEvent = { type: "error", code: "MODEL_AUTH_FAILED", content: "bad key" };
const sent: ErrorEvent = { type: "error", code: "SANDBOX_LOST", content: "gone" };
const redact = (text: string) => text.replaceAll("sk-secret", "***");

function ending(overrides: Partial<Ending>): Ending {
  return {
    phases: { ok: true, end: { result, filesCount: 0 } },
    firstError: undefined,
    runnerError: undefined,
    metered: undefined,
    redact,
    ...overrides,
  };
}

describe("lastEvent: the one decision of how a run ends", () => {
  it("ends with the result, or with the runner's held error instead", () => {
    expect(lastEvent(ending({}))).toBe(result);
    const failed = ending({
      runnerError,
      phases: { ok: true, end: { result: undefined, filesCount: 0 } },
    });
    expect(lastEvent(failed)).toBe(runnerError);
  });

  it("a cancel (or an extension's fail) always ends with its own code, redacted", () => {
    const error = new RunError("BUDGET_EXCEEDED", "spent it all with sk-secret");
    const last = lastEvent(
      ending({ phases: { ok: false, error, aborted: true }, firstError: sent, runnerError }),
    );
    expect(last).toEqual({
      type: "error",
      code: "BUDGET_EXCEEDED",
      content: "spent it all with ***",
    });
  });

  it("a failure after the runner's error ends with the runner's error; nothing when one was sent", () => {
    const error = new RunError("SANDBOX_IO_FAILED", "could not read the files");
    expect(lastEvent(ending({ phases: { ok: false, error, aborted: false }, runnerError }))).toBe(
      runnerError,
    );
    expect(
      lastEvent(ending({ phases: { ok: false, error, aborted: false }, firstError: sent })),
    ).toBeUndefined();
    expect(lastEvent(ending({ phases: { ok: false, error, aborted: false } }))).toMatchObject({
      code: "SANDBOX_IO_FAILED",
    });
  });
});
