// The stdin pipe of E2B sandboxes: the real SDK's SendInput / CloseStdin against the loopback double,
// whose commands are real host processes.

import { hasService } from "@sandcaster/testkit/services";
import { describe } from "vitest";
import { livePidsWithMarker } from "../local/helpers.js";
import { stdinContract } from "../stdin-contract.js";
import { useDouble } from "./helpers.js";

// The double runs every command (the provider's too) under bubblewrap.
describe.runIf(hasService("bwrap"))("e2b sandbox stdin (loopback double)", () => {
  const t = useDouble();

  stdinContract({
    create: () => t.create(),
    leftovers: (_sandbox, marker) => livePidsWithMarker(marker),
    // envd's pipe holds 64 KiB and the double's side buffers the rest until the command reads.
    pendingWriteBytes: 256 * 1024,
  });
});
