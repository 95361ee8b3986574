// Turns the files a run changed into `file` events: UTF-8 text as is, anything else base64.
import type { SandcasterEvent } from "@sandcaster/protocol";
import type { ChangedFiles } from "../sandbox/sandbox.js";
import type { Redact } from "./redact.js";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function asText(content: Uint8Array): string | undefined {
  if (content.includes(0)) return undefined;
  try {
    return strictUtf8.decode(content);
  } catch {
    return undefined;
  }
}

/** Text artifacts are redacted like every other text; binary ones are passed as they are. */
export function artifactEvents(changed: ChangedFiles, redact: Redact): SandcasterEvent[] {
  const events: SandcasterEvent[] = changed.files.map((file) => {
    const text = asText(file.content);
    return text === undefined
      ? {
          type: "file",
          path: file.path,
          content: Buffer.from(file.content).toString("base64"),
          encoding: "base64",
        }
      : { type: "file", path: file.path, content: redact(text) };
  });
  for (const skipped of changed.skipped) {
    events.push({
      type: "warning",
      code: "ARTIFACT_SKIPPED",
      content: `artifact ${skipped.path} (${skipped.size} bytes) was not returned: ${skipped.reason.replaceAll("_", " ")}`,
    });
  }
  return events;
}
