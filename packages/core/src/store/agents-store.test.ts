import { describe, expect, it } from "vitest";
import { createSqliteRunStore } from "./sqlite-run-store.js";

async function store() {
  const runStore = createSqliteRunStore({ path: ":memory:" });
  await runStore.migrate();
  const agents = runStore.agents;
  if (!agents) throw new Error("the kysely store has agents");
  return { runStore, agents };
}

const version = (templateId: string) => ({
  manifest: JSON.stringify({ name: "a", entrypoint: ["node", "index.js"] }),
  templateId,
  spec: "{}",
  createdAt: new Date(1_000),
});

describe("agents store (SQLite)", () => {
  it("numbers versions, activates the newest that built, and a rollback until a newer builds", async () => {
    const { runStore, agents } = await store();
    expect(await agents.addVersion("a", version("t1"))).toBe(1);
    expect(await agents.addVersion("a", version("t2"))).toBe(2);
    await agents.endBuild("a", 2, { status: "active", image: "img2", buildLog: ["two"] });
    await agents.endBuild("a", 1, { status: "active", image: "img1", buildLog: ["one"] });
    // Version 1 finished last, but 2 is newer: 2 stays active.
    expect((await agents.get("a"))?.activeVersion).toBe(2);
    expect(await agents.setActive("a", 1)).toBe(true);
    expect(await agents.setActive("a", 9)).toBe(false);
    expect((await agents.get("a"))?.activeVersion).toBe(1);
    expect(await agents.addVersion("a", version("t3"))).toBe(3);
    await agents.endBuild("a", 3, { status: "failed", failure: "{}", buildLog: ["bad"] });
    expect((await agents.get("a"))?.activeVersion).toBe(1);
    const stored = await agents.get("a");
    expect(stored?.versions.map((v) => [v.version, v.status, v.image, v.buildLog])).toEqual([
      [1, "active", "img1", ["one"]],
      [2, "active", "img2", ["two"]],
      [3, "failed", undefined, ["bad"]],
    ]);
    await runStore.close();
  });

  it("ends a build once: a second end (a slow instance after one that took over) changes nothing", async () => {
    const { runStore, agents } = await store();
    await agents.addVersion("a", version("t1"));
    await agents.endBuild("a", 1, { status: "active", image: "img1", buildLog: ["built"] });
    await agents.endBuild("a", 1, { status: "failed", failure: "{}", buildLog: ["aborted"] });
    const stored = await agents.get("a");
    expect(stored?.activeVersion).toBe(1);
    expect(stored?.versions.map((v) => [v.status, v.image, v.failure, v.buildLog])).toEqual([
      ["active", "img1", undefined, ["built"]],
    ]);
    await agents.addVersion("a", version("t2"));
    await agents.endBuild("a", 2, { status: "failed", failure: "{}", buildLog: ["bad"] });
    await agents.endBuild("a", 2, { status: "active", image: "img2", buildLog: ["late"] });
    expect((await agents.get("a"))?.activeVersion).toBe(1);
    expect((await agents.get("a"))?.versions[1]?.status).toBe("failed");
    await runStore.close();
  });

  it("keeps sealed secrets, re-seals only over the value it read, and deletes everything", async () => {
    const { runStore, agents } = await store();
    await agents.addVersion("a", version("t1"));
    await agents.putSecret("a", { key: "K", sealed: "s1", updatedAt: new Date(2_000) });
    await agents.putSecret("a", { key: "K", sealed: "s2", updatedAt: new Date(3_000) });
    expect(await agents.resealSecret("a", "K", "s1", "s3")).toBe(false);
    expect(await agents.resealSecret("a", "K", "s2", "s3")).toBe(true);
    expect(await agents.allSecrets()).toEqual([
      { agent: "a", key: "K", sealed: "s3", updatedAt: new Date(3_000) },
    ]);
    expect(await agents.remove("a")).toBe(true);
    expect(await agents.remove("a")).toBe(false);
    expect(await agents.get("a")).toBeUndefined();
    expect(await agents.allSecrets()).toEqual([]);
    await runStore.close();
  });
});
