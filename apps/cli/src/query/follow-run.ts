// Drives one run to its end through a view: Ctrl-C cancels it cleanly, and the exit code says how it ended.
import { EXIT } from "../exit-codes.js";
import { onInterrupt } from "../interrupt.js";
import { RunTally } from "../render/run-tally.js";
import type { RunView } from "../render/run-view.js";
import type { RunHandle } from "../run-types.js";
import { onOutputClosed, outputClosed } from "../terminal/closed-output.js";

/** Starts the run; resolves once events can be read. */
export type RunStarter = () => Promise<RunHandle>;

export async function followRun(start: RunStarter, view: RunView): Promise<number> {
  const say = (text: string) => view.line(text);
  const startedAt = performance.now();
  let handle: RunHandle | undefined;
  let cancelling: Promise<void> | undefined;
  const stop = (code: number) => {
    // Nothing runs yet (still connecting or preparing): there is nothing to wait for.
    if (!handle) process.exit(code);
    if (code === EXIT.interrupted) view.interrupted();
    view.waiting("cancelling");
    cancelling ??= handle.cancel().catch((error: unknown) => say(`cancel failed: ${error}`));
  };
  const interrupt = onInterrupt(
    () => stop(EXIT.interrupted),
    say,
    () => {
      view.quit();
      handle?.abandon?.();
    },
  );
  // Nobody reads the output any more (`| head`): the run is cancelled as for Ctrl-C.
  const closedOff = onOutputClosed(() => stop(EXIT.outputClosed));
  const tally = new RunTally();
  // The store's retry and settle timers are unref'd (a server's listener keeps it alive); here
  // nothing else would, and the process must not exit while the run's end is still being written.
  const alive = setInterval(() => undefined, 60_000);
  try {
    handle = await start();
    for await (const event of handle.events) {
      tally.observe(event);
      await view.event(event);
    }
    await cancelling;
  } catch (error) {
    if (!handle) throw error;
    view.line(`✗ lost the run's stream: ${error instanceof Error ? error.message : error}`);
  } finally {
    interrupt.dispose();
    closedOff();
    await handle?.close().finally(() => clearInterval(alive));
    clearInterval(alive);
  }
  if (outputClosed()) return EXIT.outputClosed;
  const runId = handle.runId();
  view.finish(tally.summary((performance.now() - startedAt) / 1000));
  if (tally.status === "running" && runId)
    view.line(`the run may still go on: sandcaster runs tail ${runId}`);
  if (tally.status === "completed") return EXIT.ok;
  return interrupt.pressed ? EXIT.interrupted : EXIT.failed;
}
