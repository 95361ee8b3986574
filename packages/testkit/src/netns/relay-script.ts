// Where relay.mjs is on disk, to bind it into a sandbox (it stays in src: tsc copies no .mjs).
import { fileURLToPath } from "node:url";

export const RELAY_SCRIPT = fileURLToPath(new URL("../../src/netns/relay.mjs", import.meta.url));
