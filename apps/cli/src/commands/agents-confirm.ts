// A yes/no question on the terminal before something that cannot be undone; without a terminal
// there is nobody to ask, so the caller must say --yes.
import { createInterface } from "node:readline/promises";
import { UsageError } from "../exit-codes.js";

export async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY)
    throw new UsageError("not a terminal to confirm at: pass --yes to go ahead", "agents");
  const reader = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await reader.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    reader.close();
  }
}
