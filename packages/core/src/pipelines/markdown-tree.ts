// The one CommonMark parse of a pipeline document (micromark via mdast, with YAML front matter):
// every node keeps its source offsets, which is what lets results be spliced in byte-exactly.
import type { Root } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { frontmatterFromMarkdown } from "mdast-util-frontmatter";
import { frontmatter } from "micromark-extension-frontmatter";

export function markdownTree(markdown: string): Root {
  return fromMarkdown(markdown, {
    extensions: [frontmatter(["yaml"])],
    mdastExtensions: [frontmatterFromMarkdown(["yaml"])],
  });
}
