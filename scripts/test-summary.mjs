// `npm test`: runs every workspace's tests (turbo; extra arguments are passed to it) in a temp
// dir and under a run id of their own, sums the vitest JSON reports into one closing line
// "N passed, N failed, N skipped", and fails when the run left something behind (temp entries,
// sandbox processes, containers, volumes). Old reports are deleted first, so a workspace that
// did not run cannot count.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { leftSince, snapshot } from "./leftovers.mjs";

const REPORT = ".vitest-report.json";
const roots = ["packages", "apps"].filter((d) => existsSync(d));
const reports = roots.flatMap((root) => readdirSync(root).map((name) => join(root, name, REPORT)));
for (const file of reports) rmSync(file, { force: true });

const run = {
  id: randomBytes(6).toString("hex"),
  // Short: Unix socket paths (the gateway's, under sandbox dirs made in here) stop at 107 bytes.
  tmp: mkdtempSync(join(tmpdir(), "sct-")),
};
// Searchable, not listable: a root server runs local sandboxes as an unprivileged user (nobody),
// which must reach the sandbox dirs made under this temp dir, as it does under the system /tmp.
chmodSync(run.tmp, 0o711);
const before = snapshot(run);
const args = ["run", "test", "--concurrency=2", ...process.argv.slice(2)];
// The workspace's own turbo, also when this script is run without npm (which puts it on PATH).
const local = join("node_modules", ".bin", "turbo");
const child = spawn(existsSync(local) ? local : "turbo", args, {
  stdio: "inherit",
  env: { ...process.env, TMPDIR: run.tmp, SANDCASTER_TEST_RUN: run.id },
});
// Ctrl-C reaches turbo through the terminal; this process stays to sum up and clean.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => child.kill("SIGTERM"));
const status = await new Promise((resolve) => {
  child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  child.on("error", (error) => {
    console.error(`cannot start turbo: ${error.message}`);
    resolve(1);
  });
});

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of reports.filter((f) => existsSync(f))) {
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}

const left = leftSince(before, snapshot(run), run);
// Listed above if anything was left; the run's temp dir goes either way.
rmSync(run.tmp, { recursive: true, force: true });
if (left.length > 0) {
  console.log(`\nThe tests left ${left.length} thing(s) behind:`);
  for (const line of left) console.log(`  ${line}`);
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = status !== 0 || left.length > 0 ? 1 : 0;
