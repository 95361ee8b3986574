// The behaviour every RunStore must show, as a suite factory each store's test file calls.
import { type RunRecord, RunRecordSchema } from "@sandcaster/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EVENT_ID_BLOCK } from "../../src/store/run-events.js";
import {
  InvalidCursorError,
  type NewRun,
  type RunOutcome,
  type RunStore,
} from "../../src/store/run-store.js";
import { describeStaleEndContract, registerEventsContract } from "./run-store-events-contract.js";
import { registerSessionsContract } from "./session-store-contract.js";

export interface RunStoreHarness {
  /** Opens a store on this harness's database; every call reaches the same, initially empty data. */
  open(): Promise<RunStore>;
  /** The column names of the runs table, as the database reports them. */
  runColumns(): Promise<string[]>;
  /** Removes the database; called after every store it opened is closed. */
  dispose(): Promise<void>;
}

export const EXPECTED_RUN_COLUMNS = [
  "id",
  "status",
  "prompt",
  "model",
  "provider",
  "sandbox_provider",
  "started_at",
  "ended_at",
  "duration_secs",
  "num_turns",
  "cost_usd",
  "input_tokens",
  "output_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "error_code",
  "error_message",
  "files_count",
  "metadata",
  "cancel_requested_at",
  "heartbeat_at",
  "session_id",
  "event_ids_reserved",
  "sandbox_id",
  "kind",
  "trace_id",
  "exit_code",
  "branch_count",
  "branch_winner_id",
  "evaluator_type",
] as const;

const T0 = Date.parse("2025-03-01T12:00:00.000Z");

function newRun(id: string, startedAtMs: number, extra: Partial<NewRun> = {}): NewRun {
  return { id, prompt: `prompt of ${id}`, startedAt: new Date(startedAtMs), ...extra };
}

/** Parses with the wire schema and checks that no field is null. */
function checked(record: RunRecord | undefined): RunRecord {
  expect(record).toBeDefined();
  const parsed = RunRecordSchema.parse(record);
  for (const [key, value] of Object.entries(record as RunRecord)) {
    expect(value, `field ${key}`).not.toBeNull();
    expect(value, `field ${key}`).not.toBeUndefined();
  }
  return parsed;
}

/** Newest first: startedAt descending, then id descending. */
function newestFirst(runs: NewRun[]): string[] {
  return [...runs]
    .sort((a, b) => {
      const byTime = b.startedAt.getTime() - a.startedAt.getTime();
      if (byTime !== 0) return byTime;
      return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
    })
    .map((run) => run.id);
}

export function describeRunStore(name: string, makeHarness: () => Promise<RunStoreHarness>): void {
  describe(`RunStore contract: ${name}`, () => {
    let harness: RunStoreHarness;
    let opened: RunStore[];
    let store: RunStore;

    async function open(): Promise<RunStore> {
      const next = await harness.open();
      opened.push(next);
      return next;
    }

    async function listAll(
      s: RunStore,
      limit: number,
      status?: RunRecord["status"],
    ): Promise<RunRecord[][]> {
      const pages: RunRecord[][] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 100; i++) {
        const page = await s.listRuns({ limit, status, cursor });
        pages.push(page.runs.map((run) => checked(run)));
        if (page.nextCursor === undefined) return pages;
        cursor = page.nextCursor;
      }
      throw new Error("pagination did not end");
    }

    beforeEach(async () => {
      harness = await makeHarness();
      opened = [];
      store = await open();
      await store.migrate();
    });

    afterEach(async () => {
      for (const s of opened) await s.close();
      await harness.dispose();
    });

    it("migrates idempotently", async () => {
      await store.createRun(newRun("run-a", T0));
      await store.migrate();
      await store.migrate();
      expect((await store.getRun("run-a"))?.id).toBe("run-a");
    });

    it("answers ping", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it("records a new run as running, without outcome fields", async () => {
      await store.createRun(
        newRun("run-a", T0 + 123, {
          prompt: "fix the bug",
          model: "claude-sonnet",
          provider: "anthropic",
          sandboxProvider: "docker",
        }),
      );
      const record = checked(await store.getRun("run-a"));
      expect(record).toStrictEqual({
        id: "run-a",
        status: "running",
        prompt: "fix the bug",
        model: "claude-sonnet",
        provider: "anthropic",
        sandboxProvider: "docker",
        startedAt: "2025-03-01T12:00:00.123Z",
        filesCount: 0,
      });
    });

    it("records the run's sandbox once it is ready", async () => {
      await store.createRun(newRun("run-a", T0, { sandboxProvider: "e2b" }));
      expect(checked(await store.getRun("run-a")).sandboxId).toBeUndefined();
      await store.recordSandbox("run-a", "sbx_42");
      expect(checked(await store.getRun("run-a"))).toMatchObject({ sandboxId: "sbx_42" });
    });

    it("omits optional fields that were never given", async () => {
      await store.createRun(newRun("run-a", T0));
      const record = checked(await store.getRun("run-a"));
      expect(record).toStrictEqual({
        id: "run-a",
        status: "running",
        prompt: "prompt of run-a",
        startedAt: "2025-03-01T12:00:00.000Z",
        filesCount: 0,
      });
    });

    it("keeps a run's trace id", async () => {
      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      await store.createRun(newRun("run-a", T0, { traceId }));
      expect(checked(await store.getRun("run-a")).traceId).toBe(traceId);
    });

    it("adds what a queued run learned on admission, only the fields given", async () => {
      await store.createRun(newRun("run-a", T0, { sandboxProvider: "local" }));
      await store.recordAdmission("run-a", {});
      const queued = checked(await store.getRun("run-a"));
      expect(queued.traceId).toBeUndefined();
      expect(queued.sessionId).toBeUndefined();
      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      await store.recordAdmission("run-a", { traceId, sessionId: "sess_1" });
      const admitted = checked(await store.getRun("run-a"));
      expect(admitted).toMatchObject({ traceId, sessionId: "sess_1", sandboxProvider: "local" });
      await store.recordAdmission("run-a", { sandboxProvider: "docker" });
      expect(checked(await store.getRun("run-a"))).toMatchObject({
        traceId,
        sessionId: "sess_1",
        sandboxProvider: "docker",
      });
      // An unknown run: nothing to add to, no error.
      await store.recordAdmission("nope", { traceId });
      expect(await store.getRun("nope")).toBeUndefined();
    });

    it("answers undefined for an unknown run", async () => {
      expect(await store.getRun("nope")).toBeUndefined();
    });

    it("rejects a second run with the same id", async () => {
      await store.createRun(newRun("run-a", T0));
      await expect(store.createRun(newRun("run-a", T0 + 1))).rejects.toThrow();
    });

    it("finishes a completed run with its outcome", async () => {
      await store.createRun(newRun("run-a", T0, { model: "sonnet", provider: "anthropic" }));
      const outcome: RunOutcome = {
        status: "completed",
        endedAt: new Date(T0 + 42_500),
        durationSecs: 42.5,
        numTurns: 7,
        costUsd: 0.123456789,
        usage: {
          inputTokens: 1200,
          outputTokens: 3400,
          cacheReadTokens: 56_000,
          cacheWriteTokens: 7800,
        },
        filesCount: 3,
        model: "claude-sonnet-4-5",
      };
      await store.finishRun("run-a", outcome);
      const record = checked(await store.getRun("run-a"));
      expect(record).toStrictEqual({
        id: "run-a",
        status: "completed",
        prompt: "prompt of run-a",
        model: "claude-sonnet-4-5",
        provider: "anthropic",
        startedAt: "2025-03-01T12:00:00.000Z",
        endedAt: "2025-03-01T12:00:42.500Z",
        durationSecs: 42.5,
        numTurns: 7,
        costUsd: 0.123456789,
        usage: {
          inputTokens: 1200,
          outputTokens: 3400,
          cacheReadTokens: 56_000,
          cacheWriteTokens: 7800,
        },
        filesCount: 3,
      });
    });

    it("finishes an error run with its error and updates model and provider", async () => {
      await store.createRun(newRun("run-a", T0, { model: "fast", provider: "openai" }));
      await store.finishRun("run-a", {
        status: "error",
        endedAt: new Date(T0 + 1000),
        durationSecs: 1,
        numTurns: 0,
        costUsd: 0,
        usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
        error: { code: "SANDBOX_FAILED", message: "the sandbox \"x\" died: 'oom'" },
        filesCount: 0,
        model: "gpt-5-mini",
        provider: "openrouter",
      });
      const record = checked(await store.getRun("run-a"));
      expect(record.status).toBe("error");
      expect(record.error).toBe("the sandbox \"x\" died: 'oom'");
      expect(record.errorCode).toBe("SANDBOX_FAILED");
      expect(record.model).toBe("gpt-5-mini");
      expect(record.provider).toBe("openrouter");
      expect(record.costUsd).toBe(0);
      expect(record.numTurns).toBe(0);
      expect(record.usage).toStrictEqual({
        inputTokens: 0,
        outputTokens: 0,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
      });
    });

    it("keeps a failed agent's exit code beside its error, and none for other errors", async () => {
      await store.createRun(newRun("run-a", T0));
      await store.createRun(newRun("run-b", T0 + 1));
      const failed = (exitCode?: number) => ({
        status: "error" as const,
        endedAt: new Date(T0 + 1000),
        durationSecs: 1,
        error: { code: "AGENT_FAILED", message: "the agent exited with code 7", exitCode },
        filesCount: 0,
      });
      await store.finishRun("run-a", failed(7));
      await store.finishRun("run-b", failed());
      expect(checked(await store.getRun("run-a"))).toMatchObject({
        errorCode: "AGENT_FAILED",
        exitCode: 7,
      });
      expect(checked(await store.getRun("run-b"))).not.toHaveProperty("exitCode");
    });

    it("keeps a branching run's summary (branches, winner, evaluator), and none for others", async () => {
      await store.createRun(newRun("run-a", T0));
      await store.createRun(newRun("run-b", T0 + 1));
      await store.createRun(newRun("run-c", T0 + 2));
      const completed = {
        status: "completed" as const,
        endedAt: new Date(T0 + 1000),
        durationSecs: 1,
        filesCount: 0,
      };
      await store.finishRun("run-a", {
        ...completed,
        branching: { count: 3, winnerId: "branch-2", evaluator: "schema" },
      });
      await store.finishRun("run-b", {
        ...completed,
        branching: { count: 2, evaluator: "custom" },
      });
      await store.finishRun("run-c", completed);
      expect(checked(await store.getRun("run-a"))).toMatchObject({
        branchCount: 3,
        branchWinnerId: "branch-2",
        evaluatorType: "schema",
      });
      const noWinner = checked(await store.getRun("run-b"));
      expect(noWinner).toMatchObject({ branchCount: 2, evaluatorType: "custom" });
      expect(noWinner).not.toHaveProperty("branchWinnerId");
      const plain = checked(await store.getRun("run-c"));
      for (const field of ["branchCount", "branchWinnerId", "evaluatorType"])
        expect(plain).not.toHaveProperty(field);
    });

    it("finishes a cancelled run without usage, cost or error", async () => {
      await store.createRun(newRun("run-a", T0));
      await store.finishRun("run-a", {
        status: "cancelled",
        endedAt: new Date(T0 + 2000),
        durationSecs: 2,
        filesCount: 0,
      });
      const record = checked(await store.getRun("run-a"));
      expect(record).toStrictEqual({
        id: "run-a",
        status: "cancelled",
        prompt: "prompt of run-a",
        startedAt: "2025-03-01T12:00:00.000Z",
        endedAt: "2025-03-01T12:00:02.000Z",
        durationSecs: 2,
        filesCount: 0,
      });
    });

    it("refuses to finish an unknown run", async () => {
      await expect(
        store.finishRun("nope", {
          status: "completed",
          endedAt: new Date(T0),
          durationSecs: 0,
          filesCount: 0,
        }),
      ).rejects.toThrow(/no such run/);
    });

    it("round-trips metadata", async () => {
      const metadata = { team: "платформа", ticket: "ABC-1", quote: "\"'{}[]", empty: "" };
      await store.createRun(newRun("run-a", T0, { metadata }));
      await store.createRun(newRun("run-b", T0, { metadata: {} }));
      expect(checked(await store.getRun("run-a")).metadata).toStrictEqual(metadata);
      expect(checked(await store.getRun("run-b")).metadata).toStrictEqual({});
      const listed = (await store.listRuns({ limit: 10 })).runs.find((r) => r.id === "run-a");
      expect(listed?.metadata).toStrictEqual(metadata);
    });

    it("records a pipeline's kind and leaves it out for an agent run", async () => {
      await store.createRun(newRun("run-p", T0, { kind: "pipeline" }));
      await store.createRun(newRun("run-q", T0 + 1));
      expect(checked(await store.getRun("run-p")).kind).toBe("pipeline");
      expect(await store.getRun("run-q")).not.toHaveProperty("kind");
      const page = await store.listRuns({ limit: 10 });
      expect(page.runs.map((run) => run.kind)).toEqual([undefined, "pipeline"]);
    });

    it("filters by kind: query (none recorded), pipeline, agent", async () => {
      await store.createRun(newRun("run-p", T0, { kind: "pipeline" }));
      await store.createRun(newRun("run-a", T0 + 1, { kind: "agent" }));
      await store.createRun(newRun("run-q", T0 + 2));
      await store.createRun(newRun("run-q2", T0 + 3));
      const ids = async (kind: "query" | "pipeline" | "agent") =>
        (await store.listRuns({ limit: 10, kind })).runs.map((run) => run.id);
      expect(await ids("query")).toStrictEqual(["run-q2", "run-q"]);
      expect(await ids("pipeline")).toStrictEqual(["run-p"]);
      expect(await ids("agent")).toStrictEqual(["run-a"]);
    });

    it("filters by id prefix: _ and % are themselves, case counts", async () => {
      await store.createRun(newRun("run_ab12", T0));
      await store.createRun(newRun("run_ab34", T0 + 1));
      await store.createRun(newRun("runXab56", T0 + 2));
      await store.createRun(newRun("run%ab78", T0 + 3));
      const ids = async (idPrefix: string) =>
        (await store.listRuns({ limit: 10, idPrefix })).runs.map((run) => run.id);
      expect(await ids("run_ab")).toStrictEqual(["run_ab34", "run_ab12"]);
      expect(await ids("run_ab3")).toStrictEqual(["run_ab34"]);
      // A LIKE pattern would take `_` and `%` as wildcards.
      expect(await ids("run_")).toStrictEqual(["run_ab34", "run_ab12"]);
      expect(await ids("run%")).toStrictEqual(["run%ab78"]);
      expect(await ids("RUN_AB")).toStrictEqual([]);
      expect(await ids("run_zz")).toStrictEqual([]);
    });

    it("lists newest first", async () => {
      await store.createRun(newRun("run-old", T0));
      await store.createRun(newRun("run-new", T0 + 60_000));
      await store.createRun(newRun("run-mid", T0 + 1));
      const page = await store.listRuns({ limit: 10 });
      expect(page.runs.map((r) => r.id)).toStrictEqual(["run-new", "run-mid", "run-old"]);
      expect(page.nextCursor).toBeUndefined();
      for (const run of page.runs) checked(run);
    });

    it("answers an empty page for an empty store", async () => {
      expect(await store.listRuns({ limit: 10 })).toStrictEqual({ runs: [] });
    });

    it("filters by status", async () => {
      const runs = Array.from({ length: 9 }, (_, i) => newRun(`run-${i}`, T0 + i * 1000));
      for (const run of runs) await store.createRun(run);
      for (const [i, run] of runs.entries()) {
        if (i % 3 === 0) continue;
        await store.finishRun(run.id, {
          status: i % 3 === 1 ? "completed" : "error",
          endedAt: new Date(run.startedAt.getTime() + 500),
          durationSecs: 0.5,
          filesCount: 1,
          ...(i % 3 === 2 ? { error: { code: "E", message: "m" } } : {}),
        });
      }
      const ids = async (status: RunRecord["status"]) =>
        (await store.listRuns({ limit: 100, status })).runs.map((r) => {
          expect(r.status).toBe(status);
          return r.id;
        });
      expect(await ids("running")).toStrictEqual(["run-6", "run-3", "run-0"]);
      expect(await ids("completed")).toStrictEqual(["run-7", "run-4", "run-1"]);
      expect(await ids("error")).toStrictEqual(["run-8", "run-5", "run-2"]);
      expect(await ids("queued")).toStrictEqual([]);

      const pages = await listAll(store, 2, "completed");
      expect(pages.map((p) => p.map((r) => r.id))).toStrictEqual([["run-7", "run-4"], ["run-1"]]);
    });

    it("pages through runs without gaps or duplicates, ties broken by id", async () => {
      // 25 runs on 8 distinct start times, inserted in a shuffled order.
      const runs = Array.from({ length: 25 }, (_, i) =>
        newRun(`run-${String((i * 7) % 25).padStart(2, "0")}`, T0 + Math.floor(i / 3) * 1000),
      );
      const shuffled = [...runs].sort(
        (a, b) => ((a.id.charCodeAt(5) * 31) % 17) - ((b.id.charCodeAt(5) * 31) % 17),
      );
      for (const run of shuffled) await store.createRun(run);

      const pages = await listAll(store, 10);
      expect(pages.map((p) => p.length)).toStrictEqual([10, 10, 5]);
      expect(pages.flat().map((r) => r.id)).toStrictEqual(newestFirst(runs));
    });

    it("gives no cursor when the last page is exactly full", async () => {
      for (let i = 0; i < 20; i++) await store.createRun(newRun(`run-${i}`, T0));
      const first = await store.listRuns({ limit: 10 });
      expect(first.runs).toHaveLength(10);
      expect(first.nextCursor).toBeTypeOf("string");
      const second = await store.listRuns({ limit: 10, cursor: first.nextCursor });
      expect(second.runs).toHaveLength(10);
      expect(second.nextCursor).toBeUndefined();
      expect(new Set([...first.runs, ...second.runs].map((r) => r.id)).size).toBe(20);
    });

    it("emits an opaque base64url cursor", async () => {
      for (let i = 0; i < 3; i++) await store.createRun(newRun(`run-${i}`, T0 + i));
      const page = await store.listRuns({ limit: 1 });
      expect(page.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    });

    it("rejects a cursor that does not decode", async () => {
      await store.createRun(newRun("run-a", T0));
      const bad = [
        "",
        "not a cursor!",
        "%%%",
        Buffer.from("not json").toString("base64url"),
        Buffer.from("{}").toString("base64url"),
        Buffer.from('[1,"a","b"]').toString("base64url"),
        Buffer.from('["1","a"]').toString("base64url"),
        Buffer.from('[1.5,"a"]').toString("base64url"),
        Buffer.from("[1,2]").toString("base64url"),
        `${Buffer.from('[1,"a"]').toString("base64url")}=`,
      ];
      for (const cursor of bad) {
        await expect(store.listRuns({ limit: 10, cursor }), cursor).rejects.toBeInstanceOf(
          InvalidCursorError,
        );
      }
    });

    it("keeps data across close and reopen", async () => {
      await store.createRun(newRun("run-a", T0, { metadata: { k: "v" } }));
      await store.finishRun("run-a", {
        status: "completed",
        endedAt: new Date(T0 + 5),
        durationSecs: 0.005,
        filesCount: 2,
        costUsd: 1.5,
      });
      const before = await store.getRun("run-a");
      await store.close();
      await store.close();

      const reopened = await open();
      await reopened.migrate();
      expect(await reopened.getRun("run-a")).toStrictEqual(before);
      expect((await reopened.listRuns({ limit: 10 })).runs.map((r) => r.id)).toStrictEqual([
        "run-a",
      ]);
    });

    it("has exactly the expected columns and nothing secret-looking", async () => {
      const columns = await harness.runColumns();
      expect([...columns].sort()).toStrictEqual([...EXPECTED_RUN_COLUMNS].sort());
      for (const column of columns) {
        expect(column).not.toMatch(/api|key|secret|password|credential|env|auth/i);
      }
    });

    it("failRunIfRunning ends only a running run", async () => {
      await store.createRun(newRun("run-live", T0));
      const lost = { code: "SANDBOX_LOST", message: "the sandbox was killed" };
      expect(await store.failRunIfRunning("run-live", lost, new Date(T0 + 2000))).toBe(true);
      expect(await store.getRun("run-live")).toMatchObject({
        status: "error",
        error: lost.message,
        errorCode: lost.code,
        durationSecs: 2,
      });
      expect(
        await store.failRunIfRunning("run-live", { code: "X", message: "y" }, new Date(T0 + 3000)),
      ).toBe(false);
      expect((await store.getRun("run-live"))?.error).toBe(lost.message);
      expect(await store.failRunIfRunning("run-missing", lost, new Date())).toBe(false);
    });

    it("failRunIfRunning stores the terminal event with the status, after the reserved ids", async () => {
      await store.createRun(newRun("run-live", T0));
      const lost = { code: "SANDBOX_LOST", message: "the sandbox was killed" };
      const event = { type: "error" as const, code: lost.code, content: lost.message };
      expect(await store.failRunIfRunning("run-live", lost, new Date(T0 + 1), event)).toBe(true);
      expect(await store.readEvents("run-live", 0, 10)).toStrictEqual([
        { seq: EVENT_ID_BLOCK + 1, event },
      ]);
      expect(await store.failRunIfRunning("run-live", lost, new Date(T0 + 2), event)).toBe(false);
      expect(await store.readEvents("run-live", 0, 10)).toHaveLength(1);
    });

    it("recordWebhookEvent is true once per source and id", async () => {
      expect(await store.recordWebhookEvent("e2b", "evt-1", new Date(T0))).toBe(true);
      expect(await store.recordWebhookEvent("e2b", "evt-1", new Date(T0 + 1))).toBe(false);
      expect(await store.recordWebhookEvent("other", "evt-1", new Date(T0))).toBe(true);
    });

    registerEventsContract(() => ({ store, open }));
    describeStaleEndContract(() => ({ store, open }));
    registerSessionsContract(() => ({ store, open }));
  });
}
