// Writes workspace entries as a tar stream, file contents streamed through with backpressure.
import { pack } from "tar-stream";
import type { WorkspaceEntry } from "./workspace-tar.js";

export interface PackOwner {
  uid: number;
  gid: number;
  /** Before every name: "workspace/" for Docker's putArchive at "/"; "" (default) for relative names. */
  prefix?: string;
}

type Chunks = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

/**
 * One archive being written. The producer adds entries in order (`directory`, `file`), then calls
 * `finish` or `fail`; the consumer reads `stream`, whose pull drives the producer: a slow reader
 * holds it at a few chunks in memory, whatever the files' sizes.
 */
export class WorkspacePacker {
  readonly #pack = pack();
  readonly #owner: Required<PackOwner>;
  readonly stream: ReadableStream<Uint8Array>;

  constructor(owner: PackOwner, onCancel: (reason: unknown) => void = () => {}) {
    this.#owner = { prefix: "", ...owner };
    const chunks = this.#pack[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    this.stream = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          const { value, done } = await chunks.next();
          if (done) controller.close();
          else controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
        },
        cancel: (reason) => {
          onCancel(reason);
          this.#pack.destroy();
        },
      },
      { highWaterMark: 0 },
    );
  }

  #header(entry: WorkspaceEntry) {
    const dir = entry.type === "directory";
    // The workspace itself (path "") is the prefix directory.
    const name = entry.path === "" ? this.#owner.prefix : `${this.#owner.prefix}${entry.path}`;
    return {
      name: dir && !name.endsWith("/") ? `${name}/` : name,
      type: entry.type,
      mode: entry.mode,
      uid: this.#owner.uid,
      gid: this.#owner.gid,
      mtime: entry.mtime ?? new Date(),
      size: dir ? 0 : entry.size,
    };
  }

  directory(entry: WorkspaceEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pack.entry(this.#header(entry), (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Streams exactly `entry.size` bytes of `body` into the archive (fewer or more is an error). */
  async file(entry: WorkspaceEntry, body: Chunks): Promise<void> {
    let settle: (error?: Error | null) => void = () => {};
    const written = new Promise<void>((resolve, reject) => {
      settle = (error) => (error ? reject(error) : resolve());
    });
    const sink = this.#pack.entry(this.#header(entry), (error) => settle(error));
    // Failures arrive through the entry's callback; the event would otherwise be uncaught.
    sink.on("error", () => {});
    try {
      for await (const chunk of body) {
        if (!sink.write(chunk)) {
          await new Promise<void>((resolve, reject) => {
            const onDrain = () => {
              sink.off("error", onError);
              resolve();
            };
            const onError = (error: Error) => {
              sink.off("drain", onDrain);
              reject(error);
            };
            sink.once("drain", onDrain);
            sink.once("error", onError);
          });
        }
      }
      // streamx types want an argument; a final chunk of undefined writes nothing.
      sink.end(undefined);
    } catch (error) {
      sink.destroy(error instanceof Error ? error : new Error(String(error)));
      written.catch(() => undefined);
      throw error;
    }
    await written;
  }

  finish(): void {
    this.#pack.finalize();
  }

  fail(error: unknown): void {
    this.#pack.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}

/**
 * Runs `produce` against a new packer and returns the archive stream at once; a failure of
 * `produce` errors the stream, cancelling the stream aborts the signal `produce` gets.
 */
export function packWorkspace(
  owner: PackOwner,
  produce: (packer: WorkspacePacker, signal: AbortSignal) => Promise<void>,
  parent?: AbortSignal,
): ReadableStream<Uint8Array> {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent?.reason);
  parent?.addEventListener("abort", onParentAbort, { once: true });
  const packer = new WorkspacePacker(owner, (reason) => controller.abort(reason));
  produce(packer, controller.signal)
    .then(
      () => packer.finish(),
      (error: unknown) => packer.fail(error),
    )
    .finally(() => parent?.removeEventListener("abort", onParentAbort));
  return packer.stream;
}
