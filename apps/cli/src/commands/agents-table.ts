// Agents as an aligned table (name, status, active version, versions, last deploy, entrypoint),
// and one agent's versions in detail, for `agents list` and `agents show`.
import type { AgentInfo } from "@sandcaster/protocol";
import { safeLine, safeText } from "../terminal/safe-text.js";

function align(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function newest(agent: AgentInfo): string {
  const dates = agent.versions.map((v) => v.createdAt).sort();
  return dates.at(-1) ?? "-";
}

export function agentTable(agents: readonly AgentInfo[]): string {
  if (agents.length === 0) return "no agents (deploy one: sandcaster agents deploy ./my-agent)";
  return align([
    ["NAME", "STATUS", "ACTIVE", "VERSIONS", "DEPLOYED", "ENTRYPOINT"],
    ...agents.map((a) => [
      safeLine(a.name),
      safeLine(a.status),
      a.activeVersion === undefined ? "-" : `v${a.activeVersion}`,
      String(a.versions.length),
      safeLine(newest(a)),
      safeLine(a.entrypoint.join(" ")),
    ]),
  ]);
}

export function agentDetails(agent: AgentInfo): string {
  const secrets = agent.secrets.declared.map((name) =>
    agent.secrets.set.includes(name) ? `${name} (set)` : `${name} (not set)`,
  );
  for (const name of agent.secrets.set) {
    if (!agent.secrets.declared.includes(name)) secrets.push(`${name} (set, not declared)`);
  }
  const head = [
    `${agent.name}  ${agent.status}${agent.activeVersion === undefined ? "" : `  active v${agent.activeVersion}`}`,
    `  entrypoint  ${agent.entrypoint.join(" ")}`,
    `  secrets     ${secrets.join(", ") || "none"}`,
    "",
  ].map(safeLine);
  const versions = align([
    ["VERSION", "STATUS", "CREATED", "TEMPLATE"],
    ...agent.versions.map((v) => [
      `v${v.version}${v.version === agent.activeVersion ? " *" : ""}`,
      safeLine(v.status),
      safeLine(v.createdAt),
      safeLine(v.templateId.slice(0, 12)),
    ]),
  ]);
  const failures = agent.versions
    .filter((v) => v.failure)
    .map((v) =>
      safeText(
        `\nv${v.version} failed at ${v.failure?.step} (exit ${v.failure?.exitCode ?? "-"}): ${v.failure?.message}\n${v.failure?.outputTail ?? ""}`,
      ),
    );
  return [...head, versions, ...failures].join("\n");
}
