// One colour per run status, the same in the table and in `runs show`.
import type { RunStatus } from "@sandcaster/protocol";
import type { Palette } from "../terminal/colours.js";

export function paintStatus(status: RunStatus, palette: Palette): (text: string) => string {
  switch (status) {
    case "completed":
      return palette.green;
    case "error":
      return palette.red;
    case "cancelled":
      return palette.yellow;
    case "running":
    case "queued":
      return palette.cyan;
  }
}
