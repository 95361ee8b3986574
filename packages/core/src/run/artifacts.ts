// Turns the files a run changed into `file` events: UTF-8 text as is, anything else base64.
import type { SandcasterEvent } from "@sandcaster/protocol";
import type { ChangedFiles } from "../sandbox/sandbox.js";
import type { Redact } from "./redact.js";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Skipped artifacts named in the one summary warning; a run may skip 100,000 of them. */
const NAMED_SKIPS = 5;

function asText(content: Uint8Array): string | undefined {
  if (content.includes(0)) return undefined;
  try {
    return strictUtf8.decode(content);
  } catch {
    return undefined;
  }
}

/**
 * Secrets are ASCII (API keys, tokens), so a byte-for-character (latin1) view of a binary file
 * holds them verbatim: redacting that view and re-encoding it hides a key written into an image,
 * an archive or a compiled file. The file's length changes; its other bytes do not.
 */
function redactBytes(content: Uint8Array, redact: Redact): Buffer {
  const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  const view = bytes.toString("latin1");
  const redacted = redact(view);
  return redacted === view ? bytes : Buffer.from(redacted, "latin1");
}

function skippedSummary(changed: ChangedFiles, redact: Redact): SandcasterEvent | undefined {
  const { skipped } = changed;
  if (skipped.length === 0) return undefined;
  const named = skipped
    .slice(0, NAMED_SKIPS)
    .map((s) => `${s.path} (${s.size} bytes, ${s.reason.replaceAll("_", " ")})`);
  const more = skipped.length - named.length;
  const noun = skipped.length === 1 ? "artifact was" : "artifacts were";
  return {
    type: "warning",
    code: "ARTIFACT_SKIPPED",
    content: redact(
      `${skipped.length} ${noun} not returned: ${named.join(", ")}${more > 0 ? `, and ${more} more` : ""}`,
    ),
  };
}

/**
 * Every artifact is redacted, text and binary alike. Skipped artifacts give one summary warning,
 * however many there are (one warning each would let a run flood its own event log).
 */
export function artifactEvents(changed: ChangedFiles, redact: Redact): SandcasterEvent[] {
  const events: SandcasterEvent[] = changed.files.map((file) => {
    const text = asText(file.content);
    const path = redact(file.path);
    return text === undefined
      ? {
          type: "file",
          path,
          content: redactBytes(file.content, redact).toString("base64"),
          encoding: "base64",
        }
      : { type: "file", path, content: redact(text) };
  });
  const summary = skippedSummary(changed, redact);
  if (summary) events.push(summary);
  return events;
}
