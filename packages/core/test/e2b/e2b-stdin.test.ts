// The stdin pipe of E2B sandboxes: the real SDK's SendInput / CloseStdin against the loopback double,
// whose commands are real host processes.
import { describe } from "vitest";
import { livePidsWithMarker } from "../local/helpers.js";
import { stdinContract } from "../stdin-contract.js";
import { useDouble } from "./helpers.js";

describe("e2b sandbox stdin (loopback double)", () => {
  const t = useDouble();

  stdinContract({
    create: () => t.create(),
    leftovers: (_sandbox, marker) => livePidsWithMarker(marker),
  });
});
