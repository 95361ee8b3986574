// Prints a run for a person: a spinner while waiting (terminals only), assistant text as it streams,
// one line per tool call, warnings and errors, listed artifacts, and a closing summary.
import type { SandcasterEvent } from "@sandcaster/protocol";
import type { OutputStream, Palette } from "../terminal/colours.js";
import { safeLine } from "../terminal/safe-text.js";
import { Spinner } from "../terminal/spinner.js";
import { BRANCH_EVENT_TYPES, type BranchEvent, branchLines, eventTag } from "./branch-lines.js";
import { cleanEvent } from "./clean-event.js";
import { formatBytes, oneLine } from "./format.js";
import { LiveTail } from "./live-tail.js";
import type { RunSummary } from "./run-tally.js";
import { summaryLine } from "./summary.js";
import { TextStream } from "./text-stream.js";
import { type ToolCall, toolLine, toolRunningLabel, toolSubject } from "./tool-line.js";

export interface RendererOptions {
  palette: Palette;
  /** Animate a spinner: only on a terminal. */
  spinner: boolean;
  /** Stream the model's thinking, dimmed. */
  thinking: boolean;
  /** Also the runner's stderr, tools' whole live output, result previews and minor system events. */
  verbose: boolean;
  /** Time tool calls as their events arrive (not on a replay, where they arrive at once). */
  timings: boolean;
  now?: () => number;
}

export interface Renderer {
  /** `note` goes at the end of the event's line (e.g. where an artifact was saved). */
  render(event: SandcasterEvent, note?: string): void;
  /** A whole line of the command's own. */
  line(text: string): void;
  /** Shows what we wait for (terminals only): "connecting", "cancelling". */
  waiting(label: string): void;
  /**
   * Ctrl-C: the calls still running get their line now, as cancelled (a cancelled run sends no
   * results for them), so what was running stays on the screen.
   */
  interrupted(): void;
  /** The command quits at once: the spinner goes, so the shell's prompt gets a clean line. */
  quit(): void;
  finish(summary: RunSummary): void;
}

const WAITING_FOR_MODEL = "waiting for the model";

export function createRenderer(out: OutputStream, options: RendererOptions): Renderer {
  const { palette } = options;
  const now = options.now ?? (() => performance.now());
  const spinner = options.spinner ? new Spinner(out, { now, dim: palette.dim }) : undefined;
  const text = new TextStream((chunk) => out.write(chunk), palette, options.thinking);
  const pending = new Map<string, ToolCall & { startedAt: number }>();
  const width = () => out.columns ?? 110;
  // Under the spinner: the last lines of the tool call it shows (verbose prints them all instead).
  const tail = spinner && !options.verbose ? new LiveTail(out, palette) : undefined;
  let tailOf: string | undefined;
  let activity: string | undefined;

  const drawTail = () => {
    if (tail && activity !== undefined && !text.midLine) tail.draw();
  };
  const withSpinnerCleared = (write: () => void) => {
    spinner?.clear();
    tail?.clear();
    write();
    spinner?.hold(text.midLine);
    drawTail();
  };
  const line = (content: string) =>
    withSpinnerCleared(() => {
      text.break();
      out.write(`${content}\n`);
    });
  const setActivity = (label: string | undefined) => {
    if (label === activity) return;
    activity = label;
    tail?.clear();
    if (label === undefined) spinner?.stop();
    else spinner?.start(label);
  };
  const afterTool = () => {
    const [key, next] = [...pending.entries()].at(-1) ?? [];
    tail?.reset();
    tailOf = key;
    setActivity(next ? toolRunningLabel(next) : WAITING_FOR_MODEL);
  };

  function render(raw: SandcasterEvent, note?: string): void {
    // Everything in an event came from the server or the sandbox: nothing of it may drive the terminal.
    const event = cleanEvent(raw);
    const suffix = note ? ` ${palette.dim(safeLine(note))}` : "";
    if (BRANCH_EVENT_TYPES.has(event.type)) {
      const lines = branchLines(event as BranchEvent, palette, {
        verbose: options.verbose,
        width: width(),
      });
      for (const branchLine of lines) line(branchLine);
      return;
    }
    // A branch's or a sub-agent's event: its lines start with whose it is.
    const tag = eventTag(event);
    const tagged = (text: string) => (tag ? `${palette.cyan(tag)} ${text}` : text);
    const callKey = (id: string) => (tag ? `${tag}${id}` : id);
    switch (event.type) {
      case "system":
        if (event.subtype === "init") {
          const model = event.model ? `${event.model} via ${event.provider}` : "model unresolved";
          line(palette.dim(`▶ run ${event.runId} · ${model} · ${event.sandboxProvider} sandbox`));
          setActivity(`starting sandbox (${event.sandboxProvider})`);
        } else if (event.subtype === "sandbox_ready") {
          line(palette.dim(`· ${event.content}`));
          setActivity(WAITING_FOR_MODEL);
        } else if (options.verbose || event.subtype !== "agent_start") {
          line(tagged(palette.dim(`· ${event.content}`)));
        }
        return;
      case "assistant":
      case "thinking":
        if (tag) {
          // Branches and sub-agents talk at once: each message whole, on its own tagged line.
          if (event.subtype === "delta" || !event.content.trim()) return;
          if (event.type === "thinking" && !options.thinking) return;
          const body = event.content.trim();
          line(tagged(event.type === "thinking" ? palette.dim(`(thinking) ${body}`) : body));
          return;
        }
        if (event.type === "thinking" && !options.thinking) setActivity("thinking");
        else if (activity !== undefined && !pending.size) setActivity(WAITING_FOR_MODEL);
        withSpinnerCleared(() =>
          event.subtype === "complete"
            ? text.complete(event.type, event.content)
            : text.delta(event.type, event.content),
        );
        return;
      case "tool_use": {
        const call = {
          toolName: event.toolName,
          subject: toolSubject(event.toolName, event.content),
          startedAt: now(),
        };
        pending.set(callKey(event.toolUseId ?? event.toolName), call);
        tail?.reset();
        tailOf = callKey(event.toolUseId ?? event.toolName);
        withSpinnerCleared(() => text.break());
        setActivity(toolRunningLabel(call));
        return;
      }
      case "tool_result": {
        const key = callKey(event.toolUseId ?? event.toolName);
        const call = pending.get(key) ?? {
          toolName: event.toolName,
          subject: "",
          startedAt: now(),
        };
        pending.delete(key);
        if (key === tailOf) tail?.reset();
        const secs = options.timings ? (now() - call.startedAt) / 1000 : undefined;
        const outcome = { isError: event.isError, content: event.content };
        const room = tag ? width() - tag.length - 1 : width();
        line(tagged(toolLine({ ...call, outcome, secs }, palette, room)));
        if (options.verbose && !event.isError && event.content.trim())
          line(palette.dim(`    ${oneLine(event.content, width() - 6)}`));
        afterTool();
        return;
      }
      case "file": {
        const bytes =
          event.encoding === "base64"
            ? Buffer.byteLength(event.content, "base64")
            : Buffer.byteLength(event.content);
        const kind = event.encoding === "base64" ? ", binary" : "";
        line(
          `${palette.cyan("+")} ${event.path}  ${palette.dim(`(${formatBytes(bytes)}${kind})`)}${suffix}`,
        );
        return;
      }
      case "stderr":
        if (options.verbose) line(palette.dim(`stderr: ${event.content}`));
        return;
      case "tool_output":
        // Live output of a running call; its tool line follows with the outcome.
        if (options.verbose) {
          for (const part of event.content.split("\n").filter((l) => l.trim())) {
            line(palette.dim(`    ${event.sandbox ?? ""}│ ${oneLine(part, width() - 8)}`));
          }
        } else if (tail && callKey(event.toolUseId ?? event.toolName) === tailOf) {
          tail.push(event.content);
          drawTail();
        }
        return;
      case "warning":
        line(tagged(palette.yellow(`! ${event.content}`)));
        return;
      case "error":
        line(palette.red(`✗ ${event.code ? `[${event.code}] ` : ""}${event.content}`));
        if (event.hint) line(palette.dim(`  hint: ${event.hint}`));
        return;
      case "result":
        setActivity(undefined);
        if (event.content.trim() && event.content.trim() !== text.lastAssistant.trim())
          line(event.content);
        return;
    }
  }

  return {
    render,
    line,
    waiting: (label) => {
      tail?.reset(); // what we wait for now is not the tool's output
      setActivity(label);
    },
    interrupted() {
      for (const [key, call] of pending) {
        pending.delete(key);
        const secs = options.timings ? (now() - call.startedAt) / 1000 : undefined;
        const outcome = { isError: true, content: "cancelled" };
        line(toolLine({ ...call, outcome, secs }, palette, width()));
      }
      tail?.reset();
    },
    quit: () => setActivity(undefined),
    finish(summary) {
      setActivity(undefined);
      line(summaryLine(summary, palette));
    },
  };
}
