// Removes the results an earlier run wrote (between the marker comments), restoring the document
// byte for byte as it was before that run, so running a document twice never appends twice.
import { markdownTree } from "./markdown-tree.js";
import { RESULT_CLOSE, RESULT_OPEN } from "./result-block.js";

const OPEN = `<!-- ${RESULT_OPEN} `;
const CLOSE = `<!-- ${RESULT_CLOSE} -->`;

interface Span {
  start: number;
  end: number;
}

/** The marked spans, as offsets; markers inside code blocks are code, not markers, and are left. */
function resultSpans(markdown: string, eol: string): Span[] {
  const nodes = markdownTree(markdown).children;
  const spans: Span[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    const start = node?.position?.start.offset;
    if (node?.type !== "html" || start === undefined || !markdown.startsWith(OPEN, start)) continue;
    for (let j = i; j < nodes.length; j++) {
      const closing = nodes[j];
      if (closing?.type !== "html") continue;
      const from = closing.position?.start.offset ?? 0;
      const text = markdown.slice(from, closing.position?.end.offset);
      const at = text.indexOf(CLOSE);
      if (at < 0) continue;
      let span = { start, end: from + at + CLOSE.length };
      // What write-results inserted after a block: eol, eol, the block, eol. Removed whole.
      const previous = nodes[i - 1]?.position?.end.offset;
      if (
        previous !== undefined &&
        markdown.slice(previous, start) === eol + eol &&
        markdown.startsWith(eol, span.end)
      ) {
        span = { start: previous, end: span.end + eol.length };
      }
      spans.push(span);
      i = j;
      break;
    }
  }
  return spans;
}

export function stripResults(markdown: string): string {
  if (!markdown.includes(OPEN)) return markdown;
  const eol = markdown.includes("\r\n") ? "\r\n" : "\n";
  let out = markdown;
  for (const span of resultSpans(markdown, eol).reverse()) {
    out = out.slice(0, span.start) + out.slice(span.end);
  }
  return out;
}
