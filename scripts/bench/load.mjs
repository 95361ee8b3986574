// The machine's load as a figure beside the others: how long an empty Node process takes to start
// and exit now (other processes on the cores stretch it), so figures from a busy host read as such.
import { execFileSync } from "node:child_process";
import { summary } from "./lib.mjs";

/** `node -e 0` wall time, `runs` times in a row; summary in ms. */
export async function emptyNodeMs(runs = 5) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    execFileSync(process.execPath, ["-e", "0"], { stdio: "ignore" });
    times.push(performance.now() - started);
  }
  return summary(times);
}
