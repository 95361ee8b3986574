// A secret's value for `agents secrets set`: from stdin (a pipe, or --value-stdin), or typed at a
// prompt that does not echo. Never from argv, where every user of the machine could read it in
// the process list (/proc/<pid>/cmdline).
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { UsageError } from "../exit-codes.js";

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** Reads a line from the terminal without showing what is typed. */
function promptHidden(question: string): Promise<string> {
  process.stderr.write(question);
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const reader = createInterface({ input: process.stdin, output: silent, terminal: true });
  return new Promise((resolve) => {
    reader.once("line", (line) => {
      reader.close();
      process.stderr.write("\n");
      resolve(line);
    });
    reader.once("close", () => resolve(""));
  });
}

export async function readSecretValue(key: string, fromStdin: boolean): Promise<string> {
  const piped = fromStdin || !process.stdin.isTTY;
  // One trailing newline is the pipe's (`echo value |`), not the secret's.
  const value = piped
    ? (await readAll(process.stdin)).replace(/\r?\n$/, "")
    : await promptHidden(`value for ${key} (not shown): `);
  if (value === "") throw new UsageError(`no value for ${key} (stdin was empty)`, "agents");
  return value;
}
