// envd's process.Process Connect service: Start/Connect server streams and the unary calls, over real processes.

import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { bwrapMissing } from "../services/detect.js";
import { ConnectRpcError, ConnectStream } from "./connect-envelope.js";
import { type ProcessEvent, type RunningProcess, spawnProcess } from "./process-runner.js";
import { homeOf, resolvePath, type SandboxRecord } from "./sandbox-registry.js";

type Message = Record<string, unknown>;

const SIGNALS: Record<string, NodeJS.Signals> = {
  SIGNAL_SIGKILL: "SIGKILL",
  SIGNAL_SIGTERM: "SIGTERM",
  "9": "SIGKILL",
  "15": "SIGTERM",
};

function record(value: unknown): Message {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Message) : {};
}

/** A ProcessSelector: `{ pid }` or `{ tag }`. */
function findProcess(sandbox: SandboxRecord, selector: unknown): RunningProcess {
  const { pid, tag } = record(selector);
  for (const proc of sandbox.processes.values()) {
    if (
      (typeof pid === "number" && proc.pid === pid) ||
      (typeof tag === "string" && proc.tag === tag)
    ) {
      return proc;
    }
  }
  const what = typeof pid === "number" ? `pid ${pid}` : `tag ${String(tag)}`;
  throw new ConnectRpcError("not_found", `process with ${what} not found`);
}

function eventJson(event: ProcessEvent): Message {
  if (event.kind === "data") {
    return { event: { data: { [event.stream]: event.data.toString("base64") } } };
  }
  return { event: { end: event.end } };
}

/** Streams a process's events until it ends, the client leaves, or the sandbox dies. */
function pipeEvents(
  sandbox: SandboxRecord,
  proc: RunningProcess,
  stream: ConnectStream,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  sandbox.streams.add(stream);
  stream.send({ event: { start: { pid: proc.pid } } });
  const intervalSecs = Number(req.headers["keepalive-ping-interval"]);
  const keepalive =
    intervalSecs > 0
      ? setInterval(() => stream.send({ event: { keepalive: {} } }), intervalSecs * 1000)
      : undefined;
  const detach = () => {
    clearInterval(keepalive);
    unsubscribe();
    sandbox.streams.delete(stream);
  };
  const unsubscribe = proc.subscribe((event) => {
    stream.send(eventJson(event));
    if (event.kind === "end") {
      stream.end();
      detach();
    }
  });
  res.once("close", detach);
}

async function start(
  sandbox: SandboxRecord,
  message: Message,
  user: string,
  req: IncomingMessage,
): Promise<RunningProcess> {
  if (message.pty)
    throw new ConnectRpcError("unimplemented", "PTY is not supported by the E2B double");
  const config = record(message.process);
  if (typeof config.cmd !== "string")
    throw new ConnectRpcError("invalid_argument", "process.cmd is required");
  const args = Array.isArray(config.args) ? config.args.map(String) : [];
  const envs = Object.fromEntries(
    Object.entries(record(config.envs)).map(([k, v]) => [k, String(v)]),
  );
  const cwd = typeof config.cwd === "string" && config.cwd !== "" ? config.cwd : homeOf(user);
  const { hostPath: hostCwd } = resolvePath(sandbox, cwd, user);
  const cwdStats = await stat(hostCwd).catch(() => null);
  if (!cwdStats?.isDirectory()) {
    throw new ConnectRpcError(
      "internal",
      `error starting process: chdir ${cwd}: no such file or directory`,
    );
  }
  const timeoutHeader = Number(req.headers["connect-timeout-ms"]);
  // Commands see sandbox paths (/home/user, /tmp) through their own mount namespace, as in a real
  // sandbox. Without one they would run on the host's own /tmp and home: refuse instead.
  const noBwrap = bwrapMissing();
  if (noBwrap !== null) {
    throw new ConnectRpcError(
      "failed_precondition",
      `the E2B double runs commands only under bubblewrap (apt-get install bubblewrap): ${noBwrap}`,
    );
  }
  const proc = await spawnProcess({
    config: {
      cmd: config.cmd,
      args,
      envs,
      ...(typeof config.cwd === "string" ? { cwd: config.cwd } : {}),
    },
    ...(typeof message.tag === "string" ? { tag: message.tag } : {}),
    hostCwd,
    mounts: { root: sandbox.root, cwd: resolvePath(sandbox, cwd, user).sandboxPath },
    stdin: message.stdin === true,
    // envd: the process context gets the request deadline plus 50 ms.
    timeoutMs: timeoutHeader > 0 ? timeoutHeader + 50 : undefined,
    env: {
      PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
      LANG: process.env.LANG ?? "C.UTF-8",
      HOME: homeOf(user),
      USER: user,
      LOGNAME: user,
      SHELL: "/bin/bash",
      PWD: resolvePath(sandbox, cwd, user).sandboxPath,
      TMPDIR: "/tmp",
      E2B_SANDBOX: "true",
      E2B_SANDBOX_ID: sandbox.sandboxId,
      E2B_DOUBLE_ROOT: sandbox.root,
      ...sandbox.envs,
      ...envs,
    },
  }).catch((error: unknown) => {
    throw new ConnectRpcError("internal", `error starting process: ${String(error)}`);
  });
  sandbox.groups.add(proc.pid);
  sandbox.processes.set(proc.pid, proc);
  proc.subscribe((event) => {
    if (event.kind === "end") sandbox.processes.delete(proc.pid);
  });
  if (!sandbox.alive || sandbox.state === "paused") {
    proc.signal("SIGKILL");
    throw new ConnectRpcError("unavailable", "sandbox is gone");
  }
  return proc;
}

/** Serves Process/Start and Process/Connect as Connect server streams. */
export async function handleProcessStream(
  sandbox: SandboxRecord,
  method: string,
  message: Message,
  user: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const stream = new ConnectStream(res);
  try {
    let proc: RunningProcess;
    if (method === "Start") proc = await start(sandbox, message, user, req);
    else if (method === "Connect") proc = findProcess(sandbox, record(message.process));
    else
      throw new ConnectRpcError(
        "unimplemented",
        `process.Process/${method} is not served by the E2B double`,
      );
    pipeEvents(sandbox, proc, stream, req, res);
  } catch (error) {
    const rpc =
      error instanceof ConnectRpcError ? error : new ConnectRpcError("internal", String(error));
    stream.end({ code: rpc.code, message: rpc.message });
  }
}

/**
 * SendInput's `input`: the ProcessInput oneof in proto3 JSON, `{ stdin: <base64> }` or
 * `{ pty: <base64> }`. Errors as recent envd reports them (failed_precondition for a process that
 * cannot take input now).
 */
async function sendInput(proc: RunningProcess, input: Message): Promise<void> {
  if (typeof input.pty === "string") {
    throw new ConnectRpcError(
      "failed_precondition",
      "error writing to tty: tty not assigned to process — input should be written to the stdin, not the tty",
    );
  }
  if (typeof input.stdin !== "string") {
    throw new ConnectRpcError("unimplemented", "invalid input type <nil>");
  }
  await proc.writeStdin(Buffer.from(input.stdin, "base64")).catch((error: Error) => {
    throw new ConnectRpcError("failed_precondition", `error writing to stdin: ${error.message}`);
  });
}

/** Answers one unary Process call; throws ConnectRpcError for Connect error replies. */
export async function handleProcessUnary(
  sandbox: SandboxRecord,
  method: string,
  message: Message,
): Promise<unknown> {
  switch (method) {
    case "List":
      return {
        processes: [...sandbox.processes.values()].map((proc) => ({
          config: proc.config,
          pid: proc.pid,
          ...(proc.tag ? { tag: proc.tag } : {}),
        })),
      };
    case "SendSignal": {
      const proc = findProcess(sandbox, record(message.process));
      const signal = SIGNALS[String(message.signal)];
      if (!signal)
        throw new ConnectRpcError(
          "invalid_argument",
          `unsupported signal ${String(message.signal)}`,
        );
      proc.signal(signal);
      return {};
    }
    case "SendInput":
      await sendInput(findProcess(sandbox, record(message.process)), record(message.input));
      return {};
    case "CloseStdin":
      await findProcess(sandbox, record(message.process)).closeStdin();
      return {};
    default:
      throw new ConnectRpcError(
        "unimplemented",
        `process.Process/${method} is not served by the E2B double`,
      );
  }
}
