// The real `e2b` SDK's stdin calls (Start with stdin, SendInput, CloseStdin) against the double.
import { NotFoundError, Sandbox } from "e2b";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasService } from "../services/index.js";
import { type E2BDouble, startE2BDouble } from "./index.js";

let double: E2BDouble;
let opts: { apiKey: string; apiUrl: string; sandboxUrl: string };

beforeAll(async () => {
  double = await startE2BDouble();
  opts = { apiKey: double.apiKey, apiUrl: double.apiUrl, sandboxUrl: double.sandboxUrl };
});
afterAll(() => double.close());

/** Resolves with everything seen on stdout once `text` appeared in it. */
function watchStdout() {
  let seen = "";
  const waiters: { text: string; resolve: (seen: string) => void }[] = [];
  return {
    onStdout(data: string) {
      seen += data;
      for (const waiter of waiters.filter((w) => seen.includes(w.text))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(seen);
      }
    },
    until(text: string): Promise<string> {
      if (seen.includes(text)) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ text, resolve }));
    },
  };
}

// Every test here runs commands, which the double runs only under bubblewrap.
describe.runIf(hasService("bwrap"))("E2B double: command stdin with the real SDK", () => {
  it("feeds stdin as it is sent (bytes or text) and closes it on closeStdin", async () => {
    const sandbox = await Sandbox.create({ ...opts, timeoutMs: 60_000 });
    const out = watchStdout();
    const handle = await sandbox.commands.run(
      'while IFS= read -r line; do echo "got:$line"; done; echo eof',
      { background: true, stdin: true, onStdout: out.onStdout },
    );
    await sandbox.commands.sendStdin(handle.pid, "one\n");
    expect(await out.until("got:one\n")).toBe("got:one\n");
    await handle.sendStdin(new TextEncoder().encode("two\n"));
    expect(await out.until("got:two\n")).toBe("got:one\ngot:two\n");
    expect(double.requests).toContainEqual(
      expect.objectContaining({ method: "POST", path: "/process.Process/SendInput" }),
    );

    await handle.closeStdin();
    const result = await handle.wait();
    expect(result).toMatchObject({ exitCode: 0, stdout: "got:one\ngot:two\neof\n" });
    // envd forgets an ended command: input for it is "not found".
    await expect(sandbox.commands.sendStdin(handle.pid, "late\n")).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await sandbox.kill();
  });

  it("round-trips every byte value through SendInput", async () => {
    const sandbox = await Sandbox.create({ ...opts, timeoutMs: 60_000 });
    const handle = await sandbox.commands.run("od -An -v -tx1 | tr -d ' \\n'", {
      background: true,
      stdin: true,
    });
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    await handle.sendStdin(all);
    await handle.closeStdin();
    const result = await handle.wait();
    expect(result.stdout).toBe(Buffer.from(all).toString("hex"));
    await sandbox.kill();
  });

  it("without stdin, the command sees EOF at once and input is refused", async () => {
    const sandbox = await Sandbox.create({ ...opts, timeoutMs: 60_000 });
    const quick = await sandbox.commands.run("cat; echo done", { timeoutMs: 10_000 });
    expect(quick.stdout).toBe("done\n");

    const handle = await sandbox.commands.run("sleep 30", { background: true });
    await expect(sandbox.commands.sendStdin(handle.pid, "x")).rejects.toThrow(
      /stdin not enabled or closed/,
    );
    await handle.closeStdin(); // envd: a no-op without stdin
    await handle.kill();
    await sandbox.kill();
  });

  it("refuses input after closeStdin; closing again is a no-op", async () => {
    const sandbox = await Sandbox.create({ ...opts, timeoutMs: 60_000 });
    const handle = await sandbox.commands.run("sleep 30", { background: true, stdin: true });
    await handle.closeStdin();
    await handle.closeStdin();
    await expect(handle.sendStdin("x")).rejects.toThrow(/stdin not enabled or closed/);
    await handle.kill();
    await sandbox.kill();
  });
});
