// A branching run's budget bounds the sum of its branches and its judge, not each branch: the
// first call that would pass the sum is refused, every branch is stopped at once (its sandbox
// destroyed), and the run ends with BUDGET_EXCEEDED, recorded with what it spent.
import { costOfCall, type SandcasterEvent, ZERO_USAGE } from "@sandcaster/protocol";
import type { ScriptedTurn } from "@sandcaster/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { expectNoLeftovers, sandboxCases } from "./leftovers.js";
import { postQuery, type ReceivedEvent, readEvents } from "./sse.js";

const LOCAL = (await sandboxCases()).filter((c) => c.sandbox === "local");

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

type Of<T extends SandcasterEvent["type"]> = Extract<SandcasterEvent, { type: T }>;
const all = <T extends SandcasterEvent["type"]>(events: ReceivedEvent[], type: T) =>
  events.map((e) => e.data).filter((d): d is Of<T> => d.type === type);

const MODEL = "claude-sonnet-4-5";
/** A big prompt, so a few calls cost enough to matter: ~$0.30 each on MODEL. */
const BIG = { inputTokens: 100_000, outputTokens: 100 };
const bigCall = costOfCall(MODEL, { ...ZERO_USAGE, ...BIG }) ?? Number.NaN;

const keepsWorking = (i: number): ScriptedTurn => ({
  toolCalls: [{ name: "bash", input: { command: `echo step-${i}` } }],
  usage: BIG,
});

async function ended(server: TestServer, runId: string) {
  return (await (await fetch(`${server.url}/runs/${runId}`)).json()) as {
    status: string;
    costUsd?: number;
    error?: string;
    errorCode?: string;
    usage?: { inputTokens: number };
  };
}

describe.each(LOCAL)("a branching run's budget on $sandbox", ({ sandbox, enabled }) => {
  it.skipIf(!enabled)(
    "stops every branch when the sum of the branches passes it, though each branch alone is under",
    async () => {
      // Each branch alone could make three calls under $1 (0.30 + 0.30 + its next ≥ 0.30 ≤ 1);
      // together the fourth call of the run would pass it.
      t = await startTestServer({
        sandbox,
        turns: Array.from({ length: 12 }, (_, i) => keepsWorking(i)),
      });
      const response = await postQuery(t.url, {
        prompt: "keep working",
        model: MODEL,
        budget: { maxCostUsd: 1 },
        branching: { count: 2, trigger: "always" },
      });
      expect(response.status).toBe(200);
      const runId = response.headers.get("x-run-id") ?? "";
      const events = await readEvents(response);
      const last = events.at(-1)?.data;
      expect(last).toMatchObject({ type: "error", code: "BUDGET_EXCEEDED" });
      expect(last?.type === "error" && last.content).toContain("all branches");
      expect(all(events, "result")).toHaveLength(0);

      // Per branch the budget would allow 3 calls each (6 in all). Together: a call is refused
      // once the sum plus the floors of the calls in flight would pass $1. Three calls, or four
      // when one branch's first call (whose size nothing predicts) starts after the other's third.
      const calls = t.double.requests.length;
      expect([3, 4]).toContain(calls);
      const starts = all(events, "branch_start");
      expect(starts).toHaveLength(2);
      // Both branches ended (neither won), and both were stopped rather than finishing.
      const completes = all(events, "branch_complete");
      expect(completes.map((c) => c.status)).toEqual(["error", "error"]);

      const record = await ended(t, runId);
      expect(record).toMatchObject({ status: "error", errorCode: "BUDGET_EXCEEDED" });
      expect(record.costUsd).toBeCloseTo(calls * bigCall, 9);
      for (const id of [runId, ...starts.map((s) => s.runId ?? "")]) {
        expect(await expectNoLeftovers(id)).toEqual([]);
      }
      for (const start of starts) {
        expect((await ended(t, start.runId ?? "")).status).toBe("error");
      }
    },
  );

  it.skipIf(!enabled)(
    "counts the judge: a judge call that takes the sum past the budget ends the run with it",
    async () => {
      t = await startTestServer({
        sandbox,
        turns: [
          { text: "answer A", usage: BIG },
          { text: "answer B", usage: BIG },
          {
            text: JSON.stringify({ winnerId: "branch-1", reason: "B is better" }),
            usage: { inputTokens: 100_000, outputTokens: 10 },
          },
        ],
      });
      const judgeCost =
        costOfCall("claude-haiku-4-5", { ...ZERO_USAGE, inputTokens: 100_000, outputTokens: 10 }) ??
        Number.NaN;
      // The branches (2 × 0.30) fit; with the judge's call they do not.
      const budget = 2 * bigCall + judgeCost / 2;
      const response = await postQuery(t.url, {
        prompt: "answer",
        model: MODEL,
        budget: { maxCostUsd: budget },
        branching: {
          count: 2,
          evaluator: { type: "llm-judge", model: "claude-haiku-4-5" },
        },
      });
      const runId = response.headers.get("x-run-id") ?? "";
      const events = await readEvents(response);
      expect(events.at(-1)?.data).toMatchObject({ type: "error", code: "BUDGET_EXCEEDED" });
      expect(t.double.requests).toHaveLength(3);
      expect(all(events, "branch_complete").map((c) => c.status)).toEqual(["success", "success"]);
      const summary = all(events, "branch_summary")[0];
      expect(summary?.totalCostUsd).toBeCloseTo(2 * bigCall + judgeCost, 9);
      const record = await ended(t, runId);
      expect(record).toMatchObject({ status: "error", errorCode: "BUDGET_EXCEEDED" });
      expect(record.costUsd).toBeCloseTo(2 * bigCall + judgeCost, 9);
    },
  );

  it.skipIf(!enabled)(
    "a budget the branches and the judge stay under changes nothing",
    async () => {
      t = await startTestServer({
        sandbox,
        turns: [
          { text: "answer A", usage: BIG },
          { text: "answer B", usage: BIG },
          { text: JSON.stringify({ winnerId: "branch-0", reason: "A is better" }) },
        ],
      });
      const response = await postQuery(t.url, {
        prompt: "answer",
        model: MODEL,
        budget: { maxCostUsd: 1 },
        branching: { count: 2 },
      });
      const events = await readEvents(response);
      expect(events.at(-1)?.data).toMatchObject({ type: "result" });
    },
  );
});
