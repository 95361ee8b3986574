// The `yaml` parser is loaded by the first skill with front matter, not by importing core: a server
// whose runs bring no skills never holds it. Checked in a fresh Node process on the build.
import { fileURLToPath } from "node:url";
import { modulesLoadedBy } from "@sandcaster/testkit";
import { describe, expect, it } from "vitest";

const core = fileURLToPath(new URL("../../dist/index.js", import.meta.url));
const planner = fileURLToPath(new URL("../../dist/skills/plan-skills.js", import.meta.url));
const cwd = fileURLToPath(new URL("../..", import.meta.url));

/** Whether importing core (then running `then`) loaded yaml in a new process. */
async function yamlLoadedAfter(then: string): Promise<boolean> {
  const loaded = await modulesLoadedBy(
    `await import(${JSON.stringify(core)});\nconst skills = await import(${JSON.stringify(planner)});\n${then}`,
    cwd,
  );
  // The hook saw core's runs and skills load: a hook that recorded nothing would make it vacuous.
  expect(loaded.some((url) => url.endsWith("/dist/run/start-run.js"))).toBe(true);
  expect(loaded.some((url) => url.endsWith("/dist/skills/parse-skill.js"))).toBe(true);
  return loaded.some((url) => url.includes("/node_modules/yaml/"));
}

describe("the skills' YAML parser is loaded on first use", () => {
  it("is not loaded by importing core", async () => {
    expect(await yamlLoadedAfter("")).toBe(false);
  }, 60_000);

  it("is loaded once a skill with front matter is planned (the check above can fail)", async () => {
    const plan = `await skills.planSkills({ extraSkills: { a: "---\\ndescription: x\\n---\\n" } }, {});`;
    expect(await yamlLoadedAfter(plan)).toBe(true);
  }, 60_000);
});
