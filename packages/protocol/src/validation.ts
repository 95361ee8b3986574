// Turns zod issues into field-named details for 400 bodies, config errors and runner errors.
import type { z } from "zod";

export interface FieldIssue {
  /** Dotted path of the offending field ("files.a/../../b", "timeout"); "" for the whole value. */
  field: string;
  message: string;
}

function issuePath(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join(".");
}

export function fieldIssues(error: z.ZodError): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        out.push({ field: issuePath([...issue.path, key]), message: "unknown field" });
      }
      continue;
    }
    out.push({ field: issuePath(issue.path), message: issue.message });
  }
  return out;
}

/** One line a person can read: "timeout: Too big: expected number to be <=3600; foo: unknown field". */
export function describeIssues(error: z.ZodError): string {
  return fieldIssues(error)
    .map((i) => (i.field ? `${i.field}: ${i.message}` : i.message))
    .join("; ");
}
