// Prints the POST /query body of this example: the prompt, `composite` (which gives the agent its
// spawn_sandbox / exec_in / transfer_files tools) and the services and audit script as files.
// Usage: node make-request.mjs | curl -N localhost:8000/query -H 'content-type: application/json' -d @-
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const here = new URL(".", import.meta.url).pathname;
const files = { "audit.sh": readFileSync(join(here, "audit.sh"), "utf8") };
for (const service of readdirSync(join(here, "services"))) {
  for (const file of readdirSync(join(here, "services", service))) {
    const path = join("services", service, file);
    files[path] = readFileSync(join(here, path), "utf8");
  }
}

const prompt = `Audit every service under services/ for security problems. Give each service its own
sandbox (spawn_sandbox, named after the service), copy the service and audit.sh into it
(transfer_files), run "bash audit.sh services/<name>" in all of them at once (exec_in), bring each
findings/<name>.txt back to primary, and write report.md: one section per service with its
findings and how to fix each.`;

process.stdout.write(
  JSON.stringify({ prompt, files, composite: { maxSandboxes: 2 }, timeout: 600 }),
);
