// sweepOrphans(): removes managed containers that a previous (crashed) server left behind.
//
// A container is an orphan when the server process named in its owner label is gone from this
// host. Containers of live servers, or of servers on other hosts sharing the daemon, are left
// alone: several instances may share one Docker host. Unlabelled (older) containers fall back to
// "created before this provider".
import type Dockerode from "dockerode";
import { ownerIsGone } from "../../host/process-owner.js";
import { LABEL_INSTANCE, LABEL_MANAGED, LABEL_OWNER } from "./constants.js";
import { isContainerGone } from "./errors.js";

export interface SweepOptions {
  /** When this provider instance was constructed (ms since epoch): younger containers are ours. */
  constructedAt: number;
  /** This server's instance id: containers labelled with it are never orphans. */
  instanceId?: string | undefined;
  /** Only containers carrying all these labels are considered. */
  labels?: Record<string, string> | undefined;
  signal?: AbortSignal | undefined;
}

/** Precise creation time (the list API only has whole seconds). */
async function createdAtMs(docker: Dockerode, id: string, signal?: AbortSignal) {
  const info = await docker.getContainer(id).inspect({ abortSignal: signal } as object);
  return Date.parse(info.Created);
}

/** Removes every orphan; returns how many were removed. Containers already gone are not counted. */
export async function sweepOrphans(docker: Dockerode, options: SweepOptions): Promise<number> {
  const labelFilters = [
    `${LABEL_MANAGED}=true`,
    ...Object.entries(options.labels ?? {}).map(([key, value]) => `${key}=${value}`),
  ];
  const containers = await docker.listContainers({
    all: true,
    filters: { label: labelFilters },
    abortSignal: options.signal,
  } as Dockerode.ContainerListOptions);
  const constructedSecond = Math.floor(options.constructedAt / 1000);
  let removed = 0;
  for (const container of containers) {
    options.signal?.throwIfAborted();
    if (options.instanceId && container.Labels?.[LABEL_INSTANCE] === options.instanceId) continue;
    try {
      const owner = container.Labels?.[LABEL_OWNER];
      if (owner !== undefined) {
        if (!(await ownerIsGone(owner))) continue;
        await docker.getContainer(container.Id).remove({ force: true, v: true });
        removed++;
        continue;
      }
      if (container.Created > constructedSecond) continue;
      if (container.Created === constructedSecond) {
        const created = await createdAtMs(docker, container.Id, options.signal);
        if (!(created < options.constructedAt)) continue;
      }
      await docker.getContainer(container.Id).remove({ force: true, v: true });
      removed++;
    } catch (error) {
      if (!isContainerGone(error)) throw error;
    }
  }
  return removed;
}
