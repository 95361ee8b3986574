// GET /openapi.json: a valid OpenAPI 3.1 document that documents every route the app registers.
import { QueryRequestSchema, SandcasterEventSchema } from "@sandcaster/protocol";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { accepts } from "./json-schema-subset.js";

type Json = Record<string, unknown>;

let t: TestServer;
let doc: Json;
beforeAll(async () => {
  t = await startTestServer({ turns: [], apiKey: "openapi-test-key" });
  const response = await fetch(`${t.url}/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("application/json");
  doc = (await response.json()) as Json;
});
afterAll(async () => {
  await t.close();
});

const paths = () => doc.paths as Record<string, Record<string, Json>>;

interface Operation {
  security?: unknown;
  parameters: Json[];
  responses: Record<string, Json>;
}

function op(path: string, method: string): Operation {
  const found = paths()[path]?.[method];
  if (!found) throw new Error(`${method} ${path} is not documented`);
  return found as unknown as Operation;
}
const schemas = () => (doc.components as { schemas: Record<string, Json> }).schemas;

/** Follows a local `#/a/b/c` reference in the document. */
function resolve(ref: string): Json {
  let node: unknown = doc;
  for (const part of ref.replace(/^#\//, "").split("/")) node = (node as Json)[part];
  if (node === undefined) throw new Error(`unresolved ${ref}`);
  return node as Json;
}

function collectRefs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) collectRefs(item, out);
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string") out.push(value);
      else collectRefs(value, out);
    }
  }
  return out;
}

describe("GET /openapi.json", () => {
  it("is public and a valid OpenAPI 3.1 document", async () => {
    expect(doc.openapi).toBe("3.1.0");
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("every $ref points at something in the document", () => {
    for (const ref of collectRefs(doc)) expect(() => resolve(ref), ref).not.toThrow();
  });

  it("documents every route the app registers, and nothing it does not", () => {
    const registered = t.app.routes
      .filter((r) => r.method !== "ALL") // middleware from app.use
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
    const documented = Object.entries(paths()).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(registered.length).toBeGreaterThanOrEqual(12);
    expect([...new Set(documented)].sort()).toEqual([...new Set(registered)].sort());
  });

  it("documents the SSE stream as the SandcasterEvent union, each event a component", () => {
    const content = op("/query", "post").responses["200"]?.content as Record<
      string,
      { schema: Json }
    >;
    expect(content["text/event-stream"]?.schema).toEqual({
      $ref: "#/components/schemas/SandcasterEvent",
    });
    const union = schemas().SandcasterEvent as { oneOf: Json[]; discriminator: Json };
    const types = SandcasterEventSchema.options.map((o) => o.shape.type.value);
    expect(union.oneOf).toHaveLength(types.length);
    const mapping = union.discriminator.mapping as Record<string, string>;
    expect(Object.keys(mapping).sort()).toEqual([...types].sort());
    for (const type of types) {
      const member = resolve(mapping[type] ?? "") as { properties: { type: Json } };
      expect(member.properties.type.const).toBe(type);
    }
  });

  it("documents auth, error bodies, Retry-After, x-request-id and Last-Event-ID", () => {
    const components = doc.components as Record<string, Record<string, Json>>;
    expect(components.securitySchemes?.bearerAuth).toMatchObject({
      type: "http",
      scheme: "bearer",
    });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    const query = op("/query", "post");
    for (const status of ["400", "401", "413", "429", "503"]) {
      expect(query.responses[status], status).toBeDefined();
    }
    const tooMany = resolve(String(query.responses["429"]?.$ref)) as {
      headers: Json;
      content: Json;
    };
    expect(tooMany.headers).toHaveProperty("Retry-After");
    expect(tooMany.headers).toHaveProperty("x-request-id");
    expect(tooMany.content).toEqual({
      "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } },
    });
    expect(op("/runs/{id}", "get").responses["404"]).toEqual({
      $ref: "#/components/responses/NotFound",
    });
    const eventParams = JSON.stringify(op("/runs/{id}/events", "get").parameters);
    expect(eventParams).toContain("#/components/parameters/LastEventId");
    expect(components.parameters?.LastEventId).toMatchObject({
      in: "header",
      name: "Last-Event-ID",
    });
    // public routes say so; the rest inherit the bearer requirement
    for (const path of ["/health", "/ready", "/openapi.json", "/", "/console/{file}"]) {
      expect(op(path, "get").security, path).toEqual([]);
    }
    expect(op("/runs", "get").security).toBeUndefined();
  });

  it("documents the /runs query parameters from the route's own schema", () => {
    const params = op("/runs", "get").parameters;
    const byName = Object.fromEntries(
      params.filter((p) => p.in === "query").map((p) => [p.name, p]),
    );
    expect(Object.keys(byName).sort()).toEqual([
      "cursor",
      "idPrefix",
      "kind",
      "limit",
      "sessionId",
      "status",
    ]);
    expect(byName.limit?.schema).toMatchObject({
      type: "integer",
      minimum: 1,
      maximum: 100,
      default: 20,
    });
  });

  it("the documented QueryRequest accepts and rejects what the zod schema does", () => {
    const documented = schemas().QueryRequest as Json;
    const samples: unknown[] = [
      { prompt: "hi" },
      { prompt: "hi", model: "sonnet", timeout: 60, sandboxProvider: "local" },
      { prompt: "hi", files: { "a.txt": "x", "b.bin": { content: "AAE=", encoding: "base64" } } },
      { prompt: "hi", onDisconnect: "continue", metadata: { ticket: "T-1" } },
      {},
      { prompt: "" },
      { prompt: 42 },
      { prompt: "hi", bogus: true },
      { prompt: "hi", timeout: 1 },
      { prompt: "hi", maxTurns: 1.5 },
      { prompt: "hi", sandboxProvider: "vercel" },
      { prompt: "hi", apiKeys: { nobody: "k" } },
      { prompt: "hi", files: { "a.txt": { content: "x", encoding: "hex" } } },
    ];
    for (const sample of samples) {
      const zod = QueryRequestSchema.safeParse(sample).success;
      expect(accepts(documented, sample, resolve), JSON.stringify(sample)).toBe(zod);
    }
  });
});
