import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveSandboxUser } from "../../src/providers/local/sandbox-user.js";

describe("resolveSandboxUser", () => {
  let dir: string;
  let passwd: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sandcaster-user-test-"));
    passwd = join(dir, "passwd");
    await writeFile(
      passwd,
      [
        "root:x:0:0:root:/root:/bin/bash",
        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
        "sandcaster:x:998:997::/nonexistent:/usr/sbin/nologin",
        "wheelish:x:1001:0::/home/w:/bin/sh",
        "broken line",
      ].join("\n"),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("resolves a name to its uid and primary group", async () => {
    expect(await resolveSandboxUser("nobody", passwd)).toEqual({
      uid: 65534,
      gid: 65534,
      name: "nobody",
    });
    expect(await resolveSandboxUser("sandcaster", passwd)).toEqual({
      uid: 998,
      gid: 997,
      name: "sandcaster",
    });
  });

  it("takes a numeric uid, with its passwd group when it has a line", async () => {
    expect(await resolveSandboxUser("998", passwd)).toMatchObject({ uid: 998, gid: 997 });
    expect(await resolveSandboxUser("4242", passwd)).toMatchObject({ uid: 4242, gid: 4242 });
  });

  it("refuses root, a root group and unknown names, saying how to fix it", async () => {
    await expect(resolveSandboxUser("root", passwd)).rejects.toThrow(/is root/);
    await expect(resolveSandboxUser("0", passwd)).rejects.toThrow(/is root/);
    await expect(resolveSandboxUser("wheelish", passwd)).rejects.toThrow(/is root/);
    await expect(resolveSandboxUser("ghost", passwd)).rejects.toThrow(/useradd --system/);
  });
});
