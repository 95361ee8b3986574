// The system prompt a run starts with: the user's or ours, plus the facts of the sandbox it runs in.
import type { OutputFormat } from "@sandcaster/protocol";

const DEFAULT_PROMPT = [
  "You are a capable software engineering agent working on your own in a sandboxed Linux workspace.",
  "Use the tools to look at files, change them and run commands; check your work before you answer.",
  "When you are done, reply with a concise final answer: what you did and the result.",
].join(" ");

export function buildSystemPrompt(options: {
  systemPrompt?: string | undefined;
  cwd: string;
  toolNames: readonly string[];
  outputFormat?: OutputFormat | undefined;
  /** More sections after the working directory's (the skills list). */
  sections?: readonly string[] | undefined;
}): string {
  const sections = [options.systemPrompt ?? DEFAULT_PROMPT];
  sections.push(
    `Working directory: ${options.cwd} (relative paths resolve there; tools cannot leave it).` +
      (options.toolNames.length
        ? ` Tools: ${options.toolNames.join(", ")}.`
        : " No tools are available."),
  );
  sections.push(...(options.sections ?? []));
  if (options.outputFormat) {
    sections.push(
      "Your final answer must be a single JSON value, with no prose and no code fences, " +
        `that conforms to this JSON Schema:\n${JSON.stringify(options.outputFormat.schema)}`,
    );
  }
  return sections.join("\n\n");
}
