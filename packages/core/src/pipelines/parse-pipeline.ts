// Reads a pipeline document with a CommonMark parser (mdast, with source offsets): the YAML front
// matter, the top-level fenced `bash` blocks (the steps) and where each block ends, so results can
// be spliced in without touching a byte of anything else. Results of an earlier run are removed first.
import { type PipelineFrontMatter, PipelineFrontMatterSchema } from "@sandcaster/protocol";
import type { Code, Root, RootContent } from "mdast";
import { parse as parseYaml } from "yaml";
import { PlanError } from "../errors/plan-error.js";
import { markdownTree } from "./markdown-tree.js";
import { parseInfo } from "./step-info.js";
import { stripResults } from "./strip-results.js";

export interface PipelineStep {
  index: number;
  /** The block's text, as bash runs it. */
  command: string;
  continueOnError: boolean;
  /** The info string's `timeout=N`, else the front matter's, else none (the run's own limit). */
  timeoutSecs: number | undefined;
  /** Offset just past the block's closing fence in `source`. */
  end: number;
}

export interface ParsedPipeline {
  /** The document without any earlier results (what results are spliced into). */
  source: string;
  frontMatter: PipelineFrontMatter;
  steps: PipelineStep[];
  /** The document's line ending, used for what is written back. */
  eol: string;
  /** The first heading's source line, else "untitled" (what /runs shows). */
  title: string;
}

function readFrontMatter(tree: Root): PipelineFrontMatter {
  const node = tree.children.find((child) => child.type === "yaml");
  if (node?.type !== "yaml" || node.value.trim() === "") return {};
  let data: unknown;
  try {
    data = parseYaml(node.value);
  } catch (error) {
    throw new PlanError(
      "frontMatter",
      `the front matter is not valid YAML: ${(error as Error).message}`,
    );
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new PlanError(
      "frontMatter",
      "the front matter must be a YAML mapping (key: value lines)",
    );
  }
  const parsed = PipelineFrontMatterSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]] : issue?.path;
  const field = ["frontMatter", ...(path ?? []).map(String)].join(".");
  const message = issue?.code === "unrecognized_keys" ? "unknown front-matter key" : issue?.message;
  throw new PlanError(field, message ?? "invalid");
}

const isBash = (node: { type: string; lang?: string | null }) =>
  node.type === "code" && node.lang === "bash";

/** Bash blocks below the top level (in a list or a quote) would need indented results: refused. */
function refuseNested(children: readonly RootContent[]) {
  const walk = (node: RootContent, depth: number) => {
    if (depth > 0 && isBash(node)) {
      throw new PlanError(
        "markdown",
        `the bash block on line ${node.position?.start.line} is inside a list or quote; pipeline steps must be top-level blocks`,
      );
    }
    if ("children" in node)
      for (const child of node.children) walk(child as RootContent, depth + 1);
  };
  for (const child of children) walk(child, 0);
}

function stepOf(node: Code, index: number, source: string, defaults: PipelineFrontMatter) {
  const end = node.position?.end.offset;
  if (end === undefined) throw new Error("unreachable: mdast nodes from a string have positions");
  const raw = source.slice(node.position?.start.offset, end);
  const fenceChar = raw.trimStart()[0];
  if (fenceChar === undefined || !raw.trimEnd().endsWith(fenceChar.repeat(3))) {
    throw new PlanError(
      "markdown",
      `the bash block on line ${node.position?.start.line} is never closed with a fence`,
    );
  }
  const info = parseInfo(node.meta, index);
  return {
    index,
    command: node.value,
    continueOnError: info.continueOnError,
    timeoutSecs: info.timeoutSecs ?? defaults.timeout,
    end,
  };
}

export function parsePipeline(markdown: string): ParsedPipeline {
  const source = stripResults(markdown);
  const tree = markdownTree(source);
  const frontMatter = readFrontMatter(tree);
  refuseNested(tree.children);
  const steps = tree.children
    .filter((node): node is Code => isBash(node))
    .map((node, index) => stepOf(node, index, source, frontMatter));
  if (steps.length === 0) {
    throw new PlanError(
      "markdown",
      "the document has no ```bash blocks: a pipeline needs at least one step",
    );
  }
  const heading = tree.children.find((node) => node.type === "heading")?.position;
  const title = heading
    ? source.slice(heading.start.offset, heading.end.offset).slice(0, 100)
    : "untitled";
  return { source, frontMatter, steps, eol: source.includes("\r\n") ? "\r\n" : "\n", title };
}
