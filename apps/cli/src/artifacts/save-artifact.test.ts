import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { ArtifactRefused, saveArtifact } from "./save-artifact.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sandcaster-artifacts-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const file = (path: string, content: string, encoding?: "base64") => ({
  type: "file" as const,
  path,
  content,
  ...(encoding ? { encoding } : {}),
});

it("writes text and base64 byte for byte, creating directories", async () => {
  const out = join(dir, "out");
  expect(await saveArtifact(out, file("a/b/c.txt", "héllo\n"))).toBe(join(out, "a", "b", "c.txt"));
  await saveArtifact(out, file("bin", Buffer.from([0, 255, 10]).toString("base64"), "base64"));
  expect(await readFile(join(out, "a", "b", "c.txt"), "utf8")).toBe("héllo\n");
  expect([...(await readFile(join(out, "bin")))]).toEqual([0, 255, 10]);
});

it.each([
  ["../up.txt", /escapes/],
  ["a/../../up.txt", /escapes/],
  ["/etc/passwd", /absolute/],
  ["C:\\x", /absolute/],
  ["nul\0byte", /control characters/],
  ["title\x1b]0;pwned\x07.txt", /control characters/],
  ["clear\x1b[2J.txt", /control characters/],
  ["line\nbreak.txt", /control characters/],
  ["\u202etxt.exe", /control characters/],
])("refuses %s", async (path, reason) => {
  await expect(saveArtifact(join(dir, "out"), file(path, "x"))).rejects.toThrow(reason);
  expect(await readdir(dir)).toEqual([]); // refused before anything is created
});

it("never follows a symlink out, as a directory or as the file itself", async () => {
  const out = join(dir, "out");
  const elsewhere = join(dir, "elsewhere");
  await mkdir(out);
  await mkdir(elsewhere);
  await writeFile(join(elsewhere, "target"), "original");
  await symlink(elsewhere, join(out, "linkdir"));
  await symlink(join(elsewhere, "target"), join(out, "linkfile"));
  await expect(saveArtifact(out, file("linkdir/new.txt", "x"))).rejects.toBeInstanceOf(
    ArtifactRefused,
  );
  await expect(saveArtifact(out, file("linkfile", "x"))).rejects.toBeInstanceOf(ArtifactRefused);
  expect(await readdir(elsewhere)).toEqual(["target"]);
  expect(await readFile(join(elsewhere, "target"), "utf8")).toBe("original");
});
