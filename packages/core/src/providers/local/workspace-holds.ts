// Who is using a session workspace right now: its image is mounted while anyone is (a turn's
// sandbox, an export stream, an import) and unmounted when the last one lets go. Mounts and
// unmounts of one workspace run one at a time.
import { mountWorkspaceImage, unmountWorkspaceImage } from "./workspace-image.js";

export interface WorkspaceHold {
  /** The workspace is its own size-capped filesystem for as long as the hold lasts. */
  capped: boolean;
  /** Lets go (idempotent); the last hold unmounts the image. */
  release(): Promise<void>;
}

export interface WorkspaceHolds {
  hold(dir: string): Promise<WorkspaceHold>;
  /** Forgets `dir` (it is being deleted: the delete unmounts it). */
  forget(dir: string): void;
}

export function workspaceHolds(): WorkspaceHolds {
  const held = new Map<string, { count: number; capped: boolean }>();
  const queues = new Map<string, Promise<unknown>>();

  const serial = <T>(dir: string, step: () => Promise<T>): Promise<T> => {
    const next = (queues.get(dir) ?? Promise.resolve()).catch(() => undefined).then(step);
    queues.set(dir, next);
    void next
      .finally(() => {
        if (queues.get(dir) === next) queues.delete(dir);
      })
      .catch(() => undefined);
    return next;
  };

  const letGo = (dir: string) =>
    serial(dir, async () => {
      const entry = held.get(dir);
      if (!entry) return;
      entry.count -= 1;
      if (entry.count > 0) return;
      held.delete(dir);
      if (entry.capped) await unmountWorkspaceImage(dir);
    });

  return {
    hold: (dir) =>
      serial(dir, async () => {
        let entry = held.get(dir);
        if (!entry) {
          entry = { count: 0, capped: await mountWorkspaceImage(dir) };
          held.set(dir, entry);
        }
        entry.count += 1;
        let released: Promise<void> | undefined;
        return {
          capped: entry.capped,
          release: () => {
            released ??= letGo(dir);
            return released;
          },
        };
      }),
    forget: (dir) => {
      held.delete(dir);
    },
  };
}
