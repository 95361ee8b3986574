// Sums the vitest JSON reports of every workspace into one closing line: "N passed, N failed, N skipped",
// and fails when the run left something behind (temp dirs, containers, volumes, sandbox processes).
// With --clean it deletes old reports first, so a workspace that did not run cannot count, and
// notes what already exists, so only what this run made is blamed.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { leftSince, snapshot } from "./leftovers.mjs";

const REPORT = ".vitest-report.json";
const SNAPSHOT = ".test-snapshot.json";
const roots = ["packages", "apps"].filter((d) => existsSync(d));
const reports = roots.flatMap((root) => readdirSync(root).map((name) => join(root, name, REPORT)));

if (process.argv.includes("--clean")) {
  for (const file of reports) rmSync(file, { force: true });
  writeFileSync(SNAPSHOT, JSON.stringify(snapshot()));
  process.exit(0);
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of reports.filter((f) => existsSync(f))) {
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}

const left = existsSync(SNAPSHOT)
  ? leftSince(JSON.parse(readFileSync(SNAPSHOT, "utf8")), snapshot())
  : [];
rmSync(SNAPSHOT, { force: true });
if (left.length > 0) {
  console.log(`\nThe tests left ${left.length} thing(s) behind:`);
  for (const line of left) console.log(`  ${line}`);
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
if (left.length > 0) process.exitCode = 1;
