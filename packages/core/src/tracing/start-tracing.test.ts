// "No cost when off": without an OTLP endpoint the SDK and the exporter are never loaded. Checked in
// a fresh node process (the built package), by the CommonJS modules it ended up with.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const CORE = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

function sdkModulesLoaded(env: Record<string, string>): string[] {
  const script = `
    import { createRequire } from "node:module";
    const core = await import(${JSON.stringify(CORE)});
    const tracing = await core.startTracing(${JSON.stringify(env)}, { name: "t", version: "0" });
    const loaded = Object.keys(createRequire(import.meta.url).cache)
      .filter((path) => /@opentelemetry[\\\\/](sdk-|exporter-|otlp-)/.test(path));
    await tracing?.shutdown();
    console.log(JSON.stringify([...new Set(loaded.map((p) => p.split("@opentelemetry/")[1]?.split("/")[0]))]));
  `;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "" },
  });
  return JSON.parse(out.trim().split("\n").at(-1) ?? "[]") as string[];
}

describe("startTracing", () => {
  it("loads no SDK without an endpoint, and loads it with one", () => {
    expect(sdkModulesLoaded({})).toEqual([]);
    // An endpoint nobody listens on: nothing is exported before shutdown (no spans).
    expect(sdkModulesLoaded({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9" })).toEqual(
      expect.arrayContaining(["sdk-trace-node", "exporter-trace-otlp-http"]),
    );
  });
});
