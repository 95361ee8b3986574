// The OpenAPI document's builder (every path and schema of the API) is loaded only when
// /openapi.json is first asked for: a server nobody asks never pays its memory. Checked in a fresh
// Node process on the build.
import { fileURLToPath } from "node:url";
import { modulesLoadedBy } from "@sandcaster/testkit";
import { describe, expect, it } from "vitest";

const api = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const route = fileURLToPath(new URL("../dist/routes/openapi.js", import.meta.url));
const cwd = fileURLToPath(new URL("..", import.meta.url));

/** Whether importing the API and making its /openapi.json route (then `then`) loaded the builder. */
async function builderLoadedAfter(then: string): Promise<boolean> {
  const loaded = await modulesLoadedBy(
    `await import(${JSON.stringify(api)});
     const { openApiRoute } = await import(${JSON.stringify(route)});
     const app = openApiRoute("test");
     ${then}`,
    cwd,
  );
  // The hook saw the API itself load: a hook that recorded nothing would make the check vacuous.
  expect(loaded.some((url) => url.endsWith("/dist/routes/query.js"))).toBe(true);
  return loaded.some((url) => url.includes("/dist/openapi/"));
}

describe("the OpenAPI document's builder is loaded on first use", () => {
  it("is not loaded by importing the API and making its route", async () => {
    expect(await builderLoadedAfter("")).toBe(false);
  }, 60_000);

  it("is loaded once /openapi.json is asked for (the check above can fail)", async () => {
    const ask = `const response = await app.request("/openapi.json");
      if (response.status !== 200 || !(await response.json()).openapi) process.exit(3);`;
    expect(await builderLoadedAfter(ask)).toBe(true);
  }, 60_000);
});
