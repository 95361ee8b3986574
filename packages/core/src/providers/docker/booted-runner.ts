// The server's end of the runner the container's main process boots as it starts (see
// boot-runner-script.ts): four one-connection Unix listeners in the sandbox's host dir, made before
// the container starts, and the runner they connect, handed to the first spawn of it (once).
import { randomBytes } from "node:crypto";
import { chmod } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { BOOT_SOCKETS } from "./boot-runner-script.js";

type Role = keyof typeof BOOT_SOCKETS;

/** What the control line says, one JSON line each. */
export type ControlRecord =
  | { pid: number }
  | { exit: { code: number | null; signal: string | null } }
  /** The workspace's changed files when the runner exited (SCAN_FUNCTION's rows, unchecked). */
  | { scan: unknown }
  | { error: string };

export interface BootedConnections {
  input: Socket;
  output: Socket;
  errors: Socket;
  control: Socket;
  /** Records after the pid line, as they come; `null` once the control line closed. */
  onRecord(listener: (record: ControlRecord | null) => void): void;
}

/** Longest control line accepted: the scan's (names and inlined small files), as the scanner's. */
const MAX_LINE = 256 * 1024 * 1024;

/** The control line's records, read as they come; a garbled or oversized line closes it. */
function readRecords(control: Socket, deliver: (record: ControlRecord | null) => void): void {
  let pending: Buffer[] = [];
  let size = 0;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    deliver(null);
  };
  control.on("data", (chunk: Buffer) => {
    // Only the new chunk is searched: a long line comes in many.
    for (let end = chunk.indexOf(10); end >= 0; end = chunk.indexOf(10)) {
      const line = Buffer.concat([...pending, chunk.subarray(0, end)]).toString("utf8");
      pending = [];
      size = 0;
      chunk = chunk.subarray(end + 1);
      try {
        deliver(JSON.parse(line) as ControlRecord);
      } catch {
        control.destroy();
        return;
      }
    }
    pending.push(chunk);
    size += chunk.length;
    if (size > MAX_LINE) control.destroy();
  });
  control.on("close", close);
  control.on("error", () => {});
}

export class BootedRunner {
  /** Names the runner's processes (PROCESS_MARK_ENV) and its pid file: the kill fallback's key. */
  readonly id = randomBytes(8).toString("hex");
  readonly #servers: Server[] = [];
  readonly #sockets = new Map<Role, Socket>();
  #pid: Promise<BootedConnections | undefined>;
  #done = false;
  #settle: (value: BootedConnections | undefined) => void = () => {};

  private constructor() {
    this.#pid = new Promise((resolve) => {
      this.#settle = resolve;
    });
  }

  /** Listens in `hostDir` (before the container starts: its main process connects at once). */
  static async listen(hostDir: string): Promise<BootedRunner> {
    const booted = new BootedRunner();
    try {
      for (const [role, name] of Object.entries(BOOT_SOCKETS) as [Role, string][]) {
        await booted.#listen(role, join(hostDir, name));
      }
    } catch (error) {
      booted.discard();
      throw error;
    }
    return booted;
  }

  async #listen(role: Role, path: string): Promise<void> {
    const server = createServer({ pauseOnConnect: true }, (socket) => {
      // One connection per role: the first is the main process's (nothing else runs before the
      // runner is taken), and no later one is accepted.
      server.close();
      if (this.#done || this.#sockets.has(role)) return void socket.destroy();
      this.#sockets.set(role, socket);
      if (role === "control") this.#watchControl(socket);
      else this.#handOut();
    });
    this.#servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => resolve());
    });
    server.on("error", () => {});
    // The sandbox user (uid 1000, whatever the server's uid) must be able to connect.
    await chmod(path, 0o666);
  }

  /** The records after the pid line, held until the taker listens. */
  #later: (ControlRecord | null)[] = [];
  #listener: ((record: ControlRecord | null) => void) | undefined;
  #runs = false;

  #watchControl(control: Socket): void {
    control.resume();
    readRecords(control, (record) => {
      if (!this.#runs && record && "pid" in record) {
        this.#runs = true;
        return this.#handOut();
      }
      // Anything before the pid line (the runner could not start, the line broke): no runner.
      if (!this.#runs) return this.discard();
      if (this.#listener) this.#listener(record);
      else this.#later.push(record);
    });
  }

  /** Settles the take once the runner runs and all its sockets are accepted (in any order). */
  #handOut(): void {
    const { input, output, errors, control } = Object.fromEntries(this.#sockets);
    if (this.#done || !this.#runs || !input || !output || !errors || !control) return;
    this.#done = true;
    this.#settle({
      input,
      output,
      errors,
      control,
      onRecord: (next) => {
        this.#listener = next;
        for (const held of this.#later.splice(0)) next(held);
      },
    });
  }

  /**
   * The booted runner, once (later calls, a runner that did not come up within `timeoutMs`, or an
   * aborted wait: undefined, and it is discarded, so the caller can start one by exec).
   */
  async take(timeoutMs: number, signal: AbortSignal): Promise<BootedConnections | undefined> {
    if (this.#done && this.#servers.length === 0 && this.#sockets.size === 0) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => this.discard();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      const taken = await Promise.race([
        this.#pid,
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), timeoutMs);
        }),
      ]);
      if (!taken) this.discard();
      // Handed out once: a second take finds nothing.
      this.#servers.length = 0;
      this.#sockets.clear();
      return taken;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    }
  }

  /**
   * Stops listening and drops whatever connected: the main process then kills the runner (if it
   * was not taken). Idempotent.
   */
  discard(): void {
    this.#done = true;
    this.#settle(undefined);
    for (const server of this.#servers.splice(0)) server.close();
    for (const socket of this.#sockets.values()) socket.destroy();
    this.#sockets.clear();
  }
}
