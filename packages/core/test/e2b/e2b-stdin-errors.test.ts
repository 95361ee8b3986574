// How the E2B stdin pipe calls the SDK and classifies its failures (a fake CommandHandle).
import { type CommandHandle, NotFoundError, SandboxError as SdkError, TimeoutError } from "e2b";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { CLOSE_STDIN_HINT, commandStdin } from "../../src/providers/e2b/e2b-stdin.js";
import { e2bSdk } from "../../src/providers/e2b/sdk.js";

// The provider loads the SDK on first use; a CommandHandle (here a fake) only exists after that,
// and only a loaded SDK's errors are told apart.
beforeAll(async () => {
  await e2bSdk();
});

function setup(options: { gone?: boolean; sendStdin?: unknown; closeStdin?: unknown } = {}) {
  const ended = new AbortController();
  const onLost = vi.fn();
  const handle = {
    sendStdin: vi.fn(async () => {
      if (options.sendStdin) throw options.sendStdin;
    }),
    closeStdin: vi.fn(async () => {
      if (options.closeStdin) throw options.closeStdin;
    }),
  };
  const pipe = commandStdin(handle as unknown as CommandHandle, {
    isGone: async () => options.gone ?? false,
    onLost,
    ended: ended.signal,
  });
  return { pipe, handle, onLost, ended };
}

const bytes = new Uint8Array([0, 255, 10]);

describe("e2b commandStdin", () => {
  it("sends the bytes as they are, without a request timeout, bound to the command's end", async () => {
    const { pipe, handle, ended } = setup();
    await pipe.write(bytes);
    await pipe.end();
    expect(handle.sendStdin).toHaveBeenCalledWith(bytes, {
      requestTimeoutMs: 0,
      signal: ended.signal,
    });
    expect(handle.closeStdin).toHaveBeenCalledWith(
      expect.objectContaining({ signal: ended.signal }),
    );
  });

  it("treats an ended command (not found, or our own abort) as a closed stdin", async () => {
    await expect(
      setup({ sendStdin: new NotFoundError("process with pid 7 not found") }).pipe.write(bytes),
    ).rejects.toMatchObject({ code: "SANDBOX_EXEC_FAILED", message: /stdin is closed/ });

    const aborted = setup({ sendStdin: new TimeoutError("canceled") });
    aborted.ended.abort();
    await expect(aborted.pipe.write(bytes)).rejects.toMatchObject({ message: /stdin is closed/ });
    expect(aborted.onLost).not.toHaveBeenCalled();
  });

  it("reports a lost sandbox only when E2B says it is gone", async () => {
    const lost = setup({ gone: true, sendStdin: new TimeoutError("connection dropped") });
    await expect(lost.pipe.write(bytes)).rejects.toMatchObject({ code: "SANDBOX_LOST" });
    expect(lost.onLost).toHaveBeenCalledOnce();

    const alive = setup({ gone: false, sendStdin: new TimeoutError("slow") });
    await expect(alive.pipe.write(bytes)).rejects.toMatchObject({ code: "SANDBOX_EXEC_FAILED" });
    expect(alive.onLost).not.toHaveBeenCalled();
  });

  it("says how to fix an envd too old to close stdin", async () => {
    const old = setup({
      closeStdin: new SdkError(
        "Sandbox envd version 0.5.1 doesn't support closeStdin. Please rebuild your template to pick up the latest sandbox version.",
      ),
    });
    await expect(old.pipe.end()).rejects.toMatchObject({
      code: "SANDBOX_EXEC_FAILED",
      hint: CLOSE_STDIN_HINT,
    });
  });
});
