// A server whose sandbox image was never built: not a passing outage (no 503, no Retry-After, a
// code of its own that clients do not retry), and the answer says how to fix it.
import { hasService } from "@sandcaster/testkit/services";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery, readEvents } from "./sse.js";

const MISSING = "sandcaster-no-such-image:never-built";

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe.runIf(hasService("docker"))("a missing docker image", () => {
  it("POST /sessions: 500 SANDBOX_IMAGE_MISSING, no Retry-After, the fix in the message", async () => {
    t = await startTestServer({
      turns: [{ text: "never" }],
      sandbox: "docker",
      config: { docker: { image: MISSING } },
    });
    const response = await fetch(new URL("/sessions", t.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(500);
    expect(response.headers.get("retry-after")).toBeNull();
    const body = (await response.json()) as { code: string; error: string };
    expect(body.code).toBe("SANDBOX_IMAGE_MISSING");
    expect(body.error).toContain(`Docker image ${MISSING} not found`);
    expect(body.error).toContain("scripts/build-test-image.sh");
    expect(body.error).toContain('sandboxProvider to "local"');
  });

  it("POST /query: the run ends with SANDBOX_IMAGE_MISSING and the hint", async () => {
    t = await startTestServer({
      turns: [{ text: "never" }],
      sandbox: "docker",
      config: { docker: { image: MISSING } },
    });
    const events = await readEvents(await postQuery(t.url, { prompt: "hi" }));
    expect(events.at(-1)?.data).toMatchObject({
      type: "error",
      code: "SANDBOX_IMAGE_MISSING",
      content: `Docker image ${MISSING} not found`,
      hint: expect.stringContaining("scripts/build-test-image.sh"),
    });
  });
});
