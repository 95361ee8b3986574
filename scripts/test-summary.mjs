// Sums the vitest JSON reports of every workspace into one closing line: "N passed, N failed, N skipped".
// With --clean it deletes old reports first, so a workspace that did not run cannot count.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const REPORT = ".vitest-report.json";
const roots = ["packages", "apps"].filter((d) => existsSync(d));
const reports = roots.flatMap((root) => readdirSync(root).map((name) => join(root, name, REPORT)));

if (process.argv.includes("--clean")) {
  for (const file of reports) rmSync(file, { force: true });
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
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
