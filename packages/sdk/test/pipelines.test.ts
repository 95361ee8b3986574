// client.pipelines against the real server (local sandbox, no model involved): the typed event
// stream, the result markdown, a session carried over, and a 400 naming the field.
import { afterEach, describe, expect, it } from "vitest";
import { BadRequestError, createClient, isKnownEvent, type SandcasterEvent } from "../src/index.js";
import { startTestServer, type TestServer } from "./harness.js";

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe("client.pipelines", () => {
  it("streams the steps and resolves to the document with results", async () => {
    t = await startTestServer({ turns: [] });
    const client = createClient({ baseUrl: t.url });
    const session = await client.sessions.create({});
    const stream = client.pipelines.run(
      "# Make\n\n```bash\necho made > out.txt\necho done\n```\n",
      {
        session: session.id,
      },
    );
    const events: SandcasterEvent[] = [];
    for await (const event of stream) if (isKnownEvent(event)) events.push(event);
    // Warnings (e.g. that a session's workspace has no disk cap) may come between; not our subject.
    expect(events.filter((e) => e.type !== "warning").map((e) => e.type)).toEqual([
      "system",
      "system",
      "step_start",
      "stdout",
      "step_end",
      "file",
      "result",
    ]);
    const result = events.at(-1);
    expect(result).toMatchObject({ type: "result", exitCode: 0, subtype: "success" });
    expect(result?.type === "result" && result.content).toContain("```text\ndone\n```");
    expect(await client.runs.get(stream.runId ?? "")).toMatchObject({ kind: "pipeline" });

    const failing = client.pipelines.run("```bash\ncat out.txt\nexit 7\n```\n", {
      session: session.id,
    });
    const next = await failing.finalResult();
    expect(next).toMatchObject({ exitCode: 7, subtype: "step_failed" });
    // The result carries the document; the record says the run failed, as the exit code does.
    expect(await client.runs.get(failing.runId ?? "")).toMatchObject({
      kind: "pipeline",
      status: "error",
      errorCode: "PIPELINE_FAILED",
    });
    expect(next.content).toContain("made");
  });

  it("throws the server's 400 naming the front-matter key", async () => {
    t = await startTestServer({ turns: [] });
    const client = createClient({ baseUrl: t.url });
    const error = await client.pipelines
      .run("---\nimage: python\n---\n\n```bash\nls\n```\n")
      .finalResult()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).details.map((d) => d.field)).toEqual(["frontMatter.image"]);
  });
});
