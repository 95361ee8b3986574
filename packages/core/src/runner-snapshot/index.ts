export {
  createRunnerSnapshots,
  type RunnerSnapshotSettings,
  type RunnerSnapshots,
} from "./runner-snapshot.js";
export { SANDBOX_RUNNER_SNAPSHOT, withRunnerSnapshot } from "./snapshot-launch.js";
