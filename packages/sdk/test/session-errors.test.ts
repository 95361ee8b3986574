// Session refusals as typed errors (an injected fetch answers as the server does): 410 → GoneError,
// 421 → MisdirectedRequestError with the owner's URL.
import { describe, expect, it } from "vitest";
import { createClient, GoneError, MisdirectedRequestError } from "../src/index.js";

function answering(status: number, body: object) {
  return async () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", "x-request-id": "req_test" },
    });
}

describe("session errors", () => {
  it("410 is a GoneError", async () => {
    const client = createClient({
      baseUrl: "http://sandcaster.test",
      fetch: answering(410, { error: "session ses_1 expired", code: "SESSION_EXPIRED" }),
    });
    const error = await client.sessions.get("ses_1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GoneError);
    expect(error).toMatchObject({ status: 410, code: "SESSION_EXPIRED", requestId: "req_test" });
  });

  it("421 is a MisdirectedRequestError naming the owner", async () => {
    const client = createClient({
      baseUrl: "http://sandcaster.test",
      fetch: answering(421, {
        error: "elsewhere",
        code: "SESSION_ELSEWHERE",
        ownerUrl: "http://10.0.0.7:8000",
      }),
    });
    const error = await client
      .query({ prompt: "x", sessionId: "ses_1" })
      .finalResult()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MisdirectedRequestError);
    expect((error as MisdirectedRequestError).ownerUrl).toBe("http://10.0.0.7:8000");
  });
});
