// sandcaster.json `branching` is the default of every POST /query run; a request's own
// `branching` is merged over it, and `{"enabled": false}` turns it off for that request.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { expectNoLeftovers, sandboxCases } from "./leftovers.js";
import { postQuery, readEvents } from "./sse.js";

const LOCAL = (await sandboxCases()).filter((c) => c.sandbox === "local");

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe.each(LOCAL)("branching from sandcaster.json on $sandbox", ({ sandbox, enabled }) => {
  it.skipIf(!enabled)("branches a plain query; a request's enabled: false does not", async () => {
    t = await startTestServer({
      sandbox,
      config: { branching: { count: 2, evaluator: { type: "custom", prompt: "CRITERIA-MARK" } } },
      turns: [
        { text: "same answer" },
        { text: "same answer" },
        { text: JSON.stringify({ winnerId: "branch-1", reason: "fits the criteria" }) },
        { text: "a single run" },
      ],
    });
    const branched = await postQuery(t.url, { prompt: "go" });
    const events = (await readEvents(branched)).map((e) => e.data);
    expect(events.filter((e) => e.type === "branch_start")).toHaveLength(2);
    expect(events.find((e) => e.type === "branch_selected")).toMatchObject({
      branchId: "branch-1",
      reason: "fits the criteria",
    });
    expect(events.at(-1)).toMatchObject({ type: "result", content: "same answer" });
    // The config's custom criteria reached the judge.
    expect(JSON.stringify(t.double.requests[2]?.body)).toContain("CRITERIA-MARK");

    const single = await postQuery(t.url, { prompt: "go", branching: { enabled: false } });
    const plain = (await readEvents(single)).map((e) => e.data);
    expect(plain.some((e) => e.type.startsWith("branch_"))).toBe(false);
    expect(plain.at(-1)).toMatchObject({ type: "result", content: "a single run" });
    expect(t.double.requests).toHaveLength(4);
    for (const response of [branched, single]) {
      expect(await expectNoLeftovers(response.headers.get("x-run-id") ?? "")).toEqual([]);
    }
  });
});

describe("OpenAPI knows branching", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ turns: [] });
  });
  afterAll(async () => {
    await server.close();
  });

  it("documents the request field, every branch event, and the branch tag on events", async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    const { schemas } = doc.components;
    expect(schemas.QueryRequest?.properties).toHaveProperty("branching");
    for (const name of ["BranchStart", "BranchProgress", "BranchComplete", "BranchSelected"]) {
      expect(schemas[`${name}Event`]?.properties).toHaveProperty("branchId");
    }
    expect(schemas.BranchSummaryEvent?.properties).toHaveProperty("winnerId");
    expect(schemas.BranchSelectedEvent?.properties).toHaveProperty("scores");
    expect(schemas.BranchSelectedEvent?.properties).toHaveProperty("reason");
    for (const event of ["AssistantEvent", "ToolUseEvent", "ResultEvent", "ErrorEvent"]) {
      expect(schemas[event]?.properties?.branchId).toMatchObject({
        description: expect.stringContaining("branching run"),
      });
    }
  });
});
