// Where a run's events go: raw JSON lines (--json) or the human renderer; artifacts saved on the way.

import { relative } from "node:path";
import type { SandcasterEvent } from "@sandcaster/protocol";
import { ArtifactRefused, saveArtifact } from "../artifacts/save-artifact.js";
import { colourEnabled, createPalette, type OutputStream } from "../terminal/colours.js";
import { safeJson, safeLine } from "../terminal/safe-text.js";
import { createRenderer } from "./renderer.js";
import type { RunSummary } from "./run-tally.js";

export interface RunView {
  event(event: SandcasterEvent): Promise<void>;
  /** A line of the command's own: stdout for people, stderr beside --json. */
  line(text: string): void;
  waiting(label: string): void;
  /** Ctrl-C: the tool calls still running are shown as cancelled. */
  interrupted(): void;
  /** The command exits at once: nothing animated may stay behind. */
  quit(): void;
  finish(summary: RunSummary): void;
}

export interface RunViewOptions {
  json: boolean;
  out: OutputStream;
  err: OutputStream;
  env: Readonly<Record<string, string | undefined>>;
  /** Save `file` events here (--out). */
  outDir?: string | undefined;
  thinking: boolean;
  verbose: boolean;
  timings: boolean;
}

export function createRunView(options: RunViewOptions): RunView {
  const { out, err, outDir } = options;

  /** The note for the file's line, or the reason it was refused. */
  async function save(event: SandcasterEvent): Promise<{ note?: string; refused?: string }> {
    if (!outDir || event.type !== "file") return {};
    try {
      const path = await saveArtifact(outDir, event);
      return { note: `→ ${relative(process.cwd(), path) || path}` };
    } catch (error) {
      if (error instanceof ArtifactRefused) return { refused: error.message };
      return {
        refused: safeLine(`not saved ${JSON.stringify(event.path)}: ${(error as Error).message}`),
      };
    }
  }

  if (options.json) {
    return {
      async event(event) {
        out.write(`${safeJson(event)}\n`);
        const { refused } = await save(event);
        if (refused) err.write(`! ${refused}\n`);
      },
      line: (text) => err.write(`${text}\n`),
      waiting: () => undefined,
      interrupted: () => undefined,
      quit: () => undefined,
      finish: () => undefined,
    };
  }

  const terminal = out.isTTY === true && options.env.TERM !== "dumb";
  const palette = createPalette(colourEnabled(out, options.env));
  const renderer = createRenderer(out, {
    palette,
    spinner: terminal,
    thinking: options.thinking,
    verbose: options.verbose,
    timings: options.timings,
  });
  return {
    async event(event) {
      const { note, refused } = await save(event);
      renderer.render(event, note);
      if (refused) renderer.line(palette.yellow(`! ${refused}`));
    },
    line: (text) => renderer.line(text),
    waiting: (label) => renderer.waiting(label),
    interrupted: () => renderer.interrupted(),
    quit: () => renderer.quit(),
    finish: (summary) => renderer.finish(summary),
  };
}
