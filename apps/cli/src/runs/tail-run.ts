// `runs tail`: replays a run's events (after --after) and follows it live until it ends.
import { EXIT } from "../exit-codes.js";
import { onInterruptOnce } from "../interrupt.js";
import { RunTally } from "../render/run-tally.js";
import type { RunView } from "../render/run-view.js";
import type { RunHistory } from "../run-types.js";
import { onOutputClosed, outputClosed } from "../terminal/closed-output.js";
import { summaryFromRecord } from "./run-details.js";

export async function tailRun(
  history: RunHistory,
  runId: string,
  after: number,
  view: RunView,
): Promise<number> {
  const run = await history.get(runId);
  if (!run) throw new Error(`no run with id ${runId}`);
  const controller = new AbortController();
  // Ctrl-C stops following; the run itself goes on (cancel it with the server's API).
  const interrupt = onInterruptOnce(() => controller.abort());
  // Nobody reads the output any more (`| head`): stop following.
  const closedOff = onOutputClosed(() => controller.abort());
  const tally = new RunTally();
  if (run.status === "running") view.waiting("following");
  try {
    for await (const { event } of history.follow(runId, { after, signal: controller.signal })) {
      tally.observe(event);
      await view.event(event);
      if (tally.status !== "running") view.waiting("finishing");
    }
  } finally {
    interrupt.dispose();
    closedOff();
  }
  if (outputClosed()) return EXIT.outputClosed;
  if (controller.signal.aborted) {
    view.finish(tally.summary());
    return EXIT.interrupted;
  }
  const final = (await history.get(runId)) ?? run;
  view.finish(final.status === "running" ? tally.summary() : summaryFromRecord(final));
  return final.status === "completed" ? EXIT.ok : EXIT.failed;
}
