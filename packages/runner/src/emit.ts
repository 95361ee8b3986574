// Writes protocol events as JSON lines: the only thing the runner ever puts on stdout.
import type { SandcasterEvent } from "@sandcaster/protocol";

export type Emit = (event: SandcasterEvent) => void;

export function createLineEmitter(write: (line: string) => void): Emit {
  return (event) => write(`${JSON.stringify(event)}\n`);
}
