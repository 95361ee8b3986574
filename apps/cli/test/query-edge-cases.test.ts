// What a real server does not do on purpose, against a stand-in: hostile artifact paths, a cancel
// that never answers (a second Ctrl-C quits at once), refusals and an unreachable server.
import { mkdir, readdir, readFile, symlink } from "node:fs/promises";
import { join } from "node:path";
import type { SandcasterEvent } from "@sandcaster/protocol";
import { expect, it } from "vitest";
import { runCli, startCli } from "./cli-process.js";
import { STUB_INIT, stubSuite } from "./stub-suite.js";

const suite = stubSuite("edge");
const file = (path: string, content: string): SandcasterEvent => ({ type: "file", path, content });
const RESULT: SandcasterEvent = { type: "result", subtype: "success", content: "", numTurns: 1 };

it("saves artifacts only inside --out: escaping paths and symlinks are refused", async () => {
  const outside = join(suite.dir, "outside");
  await mkdir(join(suite.dir, "out"), { recursive: true });
  await mkdir(outside);
  await symlink(outside, join(suite.dir, "out", "link"));
  const stub = await suite.start({
    events: [
      STUB_INIT,
      file("ok/fine.txt", "fine\n"),
      file("../escape.txt", "no"),
      file("/etc/absolute.txt", "no"),
      file("link/through.txt", "no"),
      {
        type: "file",
        path: "pic.png",
        content: Buffer.from([137, 80, 78, 71]).toString("base64"),
        encoding: "base64",
      },
      RESULT,
    ],
  });
  const result = await runCli(["query", "x", "--url", stub.url, "--out", "out"], {}, suite.dir);
  expect(result.code).toBe(0);
  expect(result.stdout).toContain("+ ok/fine.txt  (5 B) → out/ok/fine.txt");
  expect(result.stdout).toMatch(/^! not saved "\.\.\/escape\.txt": path escapes the workspace/m);
  expect(result.stdout).toMatch(
    /^! not saved "\/etc\/absolute\.txt": absolute paths are not allowed/m,
  );
  expect(result.stdout).toMatch(/^! not saved "link\/through\.txt": link is a symlink/m);
  expect(await readdir(outside)).toEqual([]);
  expect(await readdir(suite.dir)).toEqual(expect.not.arrayContaining(["escape.txt"]));
  expect(await readFile(join(suite.dir, "out", "ok", "fine.txt"), "utf8")).toBe("fine\n");
  expect([...(await readFile(join(suite.dir, "out", "pic.png")))]).toEqual([137, 80, 78, 71]);
});

it("a second Ctrl-C quits at once when the server does not confirm the cancel", async () => {
  const stub = await suite.start({ events: [STUB_INIT], hang: true, cancelHangs: true });
  const cli = startCli(["query", "x", "--url", stub.url], {}, suite.dir);
  await cli.waitFor(/▶ run run_stub/);
  cli.child.kill("SIGINT");
  await cli.waitFor(/cancelling/);
  await new Promise((r) => setTimeout(r, 300));
  expect(cli.child.exitCode).toBeNull(); // still waiting for the server
  expect(stub.requests).toContain("POST /runs/run_stub/cancel");
  cli.child.kill("SIGINT");
  const result = await cli.finished;
  expect(result.code).toBe(130);
  expect(result.stdout).toContain("stopped without waiting");
});

it("a stream that ends without a result is a failure that says how to follow the run", async () => {
  const stub = await suite.start({ events: [STUB_INIT, { type: "assistant", content: "Half" }] });
  const result = await runCli(["query", "x", "--url", stub.url], {}, suite.dir);
  expect(result.code).toBe(1);
  expect(result.stdout).toContain("… still running");
  expect(result.stdout).toContain("sandcaster runs tail run_stub");
});

it("a refused request exits 2 (400) or 1 (401, unreachable) with the server's reason", async () => {
  let stub = await suite.start({ refuse: { status: 400, error: "model: too long" } });
  const bad = await runCli(["query", "x", "--url", stub.url], {}, suite.dir);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("model: too long");

  stub = await suite.start({ refuse: { status: 401, error: "unauthorized" } });
  const unauthorised = await runCli(["query", "x", "--url", stub.url], {}, suite.dir);
  expect(unauthorised.code).toBe(1);
  expect(unauthorised.stderr).toContain("SANDCASTER_API_KEY");

  const closed = stub.url;
  await suite.stop();
  const gone = await runCli(["query", "x", "--url", closed], {}, suite.dir);
  expect(gone.code).toBe(1);
  expect(gone.stderr).toContain(`cannot reach ${closed}: ECONNREFUSED`);
});

it("runs show <prefix> against a server before idPrefix: found among its newest runs", async () => {
  const run = (id: string, prompt: string) => ({
    id,
    status: "completed" as const,
    prompt,
    startedAt: "2026-01-01T00:00:00.000Z",
    filesCount: 0,
  });
  const stub = await suite.start({
    olderRuns: [
      run("run_1111aaaa-0000-4000-8000-000000000001", "first"),
      run("run_2222bbbb-0000-4000-8000-000000000002", "second"),
    ],
  });
  const show = await runCli(["runs", "show", "2222bb", "--url", stub.url], {}, suite.dir);
  expect(show.code).toBe(0);
  expect(show.stdout).toMatch(/^run_2222bbbb-0000-4000-8000-000000000002 {2}completed$/m);
  // It asked with idPrefix first, was refused, then listed the newest runs.
  expect(stub.requests.filter((r) => r.startsWith("GET /runs?"))).toEqual([
    expect.stringContaining("idPrefix=run_2222bb"),
    expect.not.stringContaining("idPrefix"),
  ]);
});
