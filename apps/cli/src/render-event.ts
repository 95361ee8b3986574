// Prints run events for a person: assistant text live, tools one line each, a closing summary.
import type { SandcasterEvent } from "@sandcaster/protocol";

export interface Renderer {
  render(event: SandcasterEvent): void;
}

const ONE_LINE = 110;

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > ONE_LINE ? `${flat.slice(0, ONE_LINE - 1)}…` : flat;
}

export function createRenderer(
  out: NodeJS.WritableStream,
  options: { color: boolean; verbose: boolean },
): Renderer {
  const paint = (code: string) => (text: string) =>
    options.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  const dim = paint("2");
  const red = paint("31");
  const green = paint("32");
  const yellow = paint("33");
  const cyan = paint("36");
  let midLine = false;
  const line = (text: string) => {
    if (midLine) out.write("\n");
    midLine = false;
    out.write(`${text}\n`);
  };

  return {
    render(event) {
      switch (event.type) {
        case "system":
          if (event.subtype === "init") {
            const model = event.model ? `${event.model} via ${event.provider}` : "model unresolved";
            line(dim(`▶ run ${event.runId} · ${model} · ${event.sandboxProvider} sandbox`));
          } else line(dim(`· ${event.content}`));
          return;
        case "assistant":
          if (event.subtype === "complete") {
            if (midLine) out.write("\n");
            midLine = false;
            return;
          }
          out.write(event.content);
          midLine = !event.content.endsWith("\n");
          return;
        case "thinking":
          if (event.subtype === "complete" && options.verbose)
            line(dim(`(thinking) ${oneLine(event.content)}`));
          return;
        case "tool_use":
          line(cyan(`→ ${event.toolName} ${oneLine(event.content)}`));
          return;
        case "tool_result":
          line(
            `  ${event.isError ? red("✗") : green("✓")} ${dim(oneLine(event.content) || "(no output)")}`,
          );
          return;
        case "file":
          line(`📄 ${event.path}${event.encoding === "base64" ? " (binary)" : ""}`);
          return;
        case "stderr":
          if (options.verbose) line(dim(`stderr: ${event.content}`));
          return;
        case "warning":
          line(yellow(`! ${event.content}`));
          return;
        case "error":
          line(
            red(
              `✗ ${event.code ? `[${event.code}] ` : ""}${event.content}${event.hint ? ` — ${event.hint}` : ""}`,
            ),
          );
          return;
        case "result": {
          const usage = event.usage;
          const tokens = usage
            ? `${usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens} in / ${usage.outputTokens} out tokens`
            : "tokens unknown";
          const cost =
            event.costUsd === undefined ? "cost unknown" : `$${event.costUsd.toFixed(4)}`;
          const status =
            event.subtype === "success" ? green("✓ completed") : yellow(`■ ${event.subtype}`);
          line(
            `${status} · ${event.numTurns ?? "?"} turns · ${tokens} · ${cost} · ${event.durationSecs ?? "?"}s`,
          );
          return;
        }
      }
    },
  };
}
