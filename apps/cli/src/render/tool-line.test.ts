import { expect, it } from "vitest";
import { createPalette } from "../terminal/colours.js";
import { toolLine, toolSubject } from "./tool-line.js";

const plain = createPalette(false);

it("names what a call does: the command, the path, else compact JSON", () => {
  expect(toolSubject("bash", '{"command":"ls -la\\n  | head"}')).toBe("ls -la | head");
  expect(toolSubject("write_file", '{"path":"notes.md","content":"…"}')).toBe("notes.md");
  expect(toolSubject("Read", '{"file_path":"a.ts"}')).toBe("a.ts"); // protocol aliases too
  expect(toolSubject("grep", '{"pattern":"TODO","path":"src"}')).toBe("TODO src");
  expect(toolSubject("mystery", '{"x":1}')).toBe('{"x":1}');
  expect(toolSubject("list_files", "{}")).toBe("");
  expect(toolSubject("bash", "not json")).toBe("not json");
});

it("one line: ✓ with the time, or ✗ with the first line of the error", () => {
  expect(
    toolLine(
      {
        toolName: "bash",
        subject: "ls -la",
        outcome: { isError: false, content: "a\nb" },
        secs: 0.31,
      },
      plain,
    ),
  ).toBe("✓ bash  ls -la  (0.3s)");
  expect(
    toolLine(
      {
        toolName: "write_file",
        subject: "notes.md",
        outcome: { isError: true, content: "\npermission denied\nmore" },
      },
      plain,
    ),
  ).toBe("✗ write_file  notes.md  — permission denied");
  const long = toolLine(
    { toolName: "bash", subject: "x".repeat(500), outcome: { isError: false, content: "" } },
    plain,
    80,
  );
  expect(long.length).toBeLessThanOrEqual(80);
});

it("a failed bash call says its exit code (or signal, timeout) first, then its first output line", () => {
  const failed = (content: string, toolName = "bash") =>
    toolLine({ toolName, subject: "make", outcome: { isError: true, content } }, plain);
  expect(failed("compiling\nerror: nope\n\nexit code 2")).toBe(
    "✗ bash  make  — exit code 2 · compiling",
  );
  expect(failed("exit code 3")).toBe("✗ bash  make  — exit code 3");
  expect(failed("killed by signal SIGKILL")).toBe("✗ bash  make  — killed by signal SIGKILL");
  expect(failed("out\ncommand timed out after 30s")).toBe(
    "✗ bash  make  — command timed out after 30s · out",
  );
  expect(failed("could not start bash: ENOENT")).toBe(
    "✗ bash  make  — could not start bash: ENOENT",
  );
  // Other tools keep their message's first line, even one that looks like a note.
  expect(failed("bad path\nexit code 1", "write_file")).toBe("✗ write_file  make  — bad path");
});
