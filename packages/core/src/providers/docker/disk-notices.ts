// What a Docker sandbox says about its disk limit when it cannot hold as configured.
import { dockerScratchMb as scratchMb } from "@sandcaster/protocol";

/**
 * The capped mounts are tmpfs, charged to the memory cgroup: when they can outgrow the memory
 * limit, filling them ends in an out-of-memory kill instead of ENOSPC. A session's workspace is a
 * volume on the daemon's disk, which Docker's local driver cannot cap.
 */
export function diskNotices(diskMb: number, memoryMb: number, session: boolean): string[] {
  const notices: string[] = [];
  if (diskMb + scratchMb(diskMb) >= memoryMb) {
    notices.push(
      `docker.diskMb (${diskMb} MB for /workspace, ${scratchMb(diskMb)} MB for /tmp) is not below memoryMb (${memoryMb} MB): the files are held in memory, so filling them ends the run out of memory instead of with "no space left on device"`,
    );
  }
  if (session) {
    notices.push(
      "this session's workspace is a Docker volume with no size limit (docker.diskMb caps only per-run workspaces): a run can fill the daemon's disk",
    );
  }
  return notices;
}
