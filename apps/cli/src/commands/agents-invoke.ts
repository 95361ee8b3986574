// `sandcaster agents invoke <name> "prompt"`: the agent's stdout to our stdout and its stderr to
// ours, live; the exit code is the agent's. A terminal gets the text made inert (no escape
// sequences); a pipe or a file gets the bytes the agent wrote. --json: one event per line.
import type { RunEvent, SandcasterClient } from "@sandcaster/sdk";
import { EXIT } from "../exit-codes.js";
import { onInterruptOnce } from "../interrupt.js";
import { explainServerError } from "../remote/server-client.js";
import { safeJson, safeLine, safeText } from "../terminal/safe-text.js";

export interface InvokeSettings {
  url: string;
  prompt: string;
  timeout: number | undefined;
  json: boolean;
}

/** An agent's exit code as ours when it fits one (1..255); else plain failure. */
function asExitStatus(code: unknown): number {
  return typeof code === "number" && Number.isInteger(code) && code > 0 && code < 256
    ? code
    : EXIT.failed;
}

/**
 * The agent's exit code from AGENT_FAILED's `exitCode` (null: a signal killed it). Servers that
 * predate the field only state it in the message ("exited with code 3"): read there as a fallback.
 */
function agentExitCode(event: RunEvent, message: string): number {
  if ("exitCode" in event && event.exitCode !== undefined) return asExitStatus(event.exitCode);
  return asExitStatus(Number(/exited with code (\d+)/.exec(message)?.[1]));
}

function writer(stream: NodeJS.WriteStream): (text: string) => void {
  return stream.isTTY ? (text) => stream.write(safeText(text)) : (text) => stream.write(text);
}

export async function invokeAgentCommand(
  client: SandcasterClient,
  name: string,
  settings: InvokeSettings,
): Promise<number> {
  const stream = client.agents.invoke(name, {
    prompt: settings.prompt,
    ...(settings.timeout === undefined ? {} : { timeout: settings.timeout }),
  });
  // Leaving the stream makes the server cancel the invocation and destroy its sandbox.
  const interrupt = onInterruptOnce(() => stream.abort("interrupted"));
  const out = writer(process.stdout);
  const err = writer(process.stderr);
  let code: number = EXIT.failed;
  try {
    for await (const event of stream) {
      if (settings.json) process.stdout.write(`${safeJson(event)}\n`);
      if (event.type === "stdout" && !settings.json) out(String(event.content ?? ""));
      else if (event.type === "stderr" && !settings.json) err(String(event.content ?? ""));
      else if (event.type === "result") code = EXIT.ok;
      else if (event.type === "error") {
        const message = String(event.content ?? "");
        if (!settings.json) {
          process.stderr.write(`sandcaster: [${safeLine(String(event.code ?? "ERROR"))}] `);
          process.stderr.write(`${safeText(message)}\n`);
        }
        code = event.code === "AGENT_FAILED" ? agentExitCode(event, message) : EXIT.failed;
      }
    }
  } catch (error) {
    if (interrupt.pressed) return EXIT.interrupted;
    throw explainServerError(error, settings.url, "agents");
  } finally {
    interrupt.dispose();
  }
  return interrupt.pressed ? EXIT.interrupted : code;
}
