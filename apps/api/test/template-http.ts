// Templates over HTTP as a client sees them: POST /templates, and the build log read as SSE until
// its final status frame.
import type { TemplateInfo } from "@sandcaster/protocol";
import { EventSourceParserStream } from "eventsource-parser/stream";

export async function postTemplate(url: string, body: unknown) {
  const response = await fetch(new URL("/templates", url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as TemplateInfo & {
      code?: string;
      details?: { field: string }[];
    },
  };
}

/** The build log as SSE: every `log` line, then the final `status`. */
export async function buildLog(url: string, id: string) {
  const response = await fetch(new URL(`/templates/${id}/logs`, url));
  if (!response.body) throw new Error("no body");
  const reader = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  const lines: string[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the log ended without a status");
    if (value.event === "log") lines.push((JSON.parse(value.data) as { line: string }).line);
    if (value.event === "status") return { lines, status: JSON.parse(value.data) as TemplateInfo };
  }
}

/** Builds `body` through HTTP and waits: the POST's answer, the log, the final status, the time. */
export async function buildThroughHttp(url: string, body: unknown) {
  const started = performance.now();
  const posted = await postTemplate(url, body);
  if (posted.status >= 400) throw new Error(`POST /templates: ${JSON.stringify(posted.body)}`);
  const { lines, status } = await buildLog(url, posted.body.id);
  return { posted, lines, status, ms: performance.now() - started };
}
