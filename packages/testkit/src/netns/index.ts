// Test hosts in network namespaces, and a loopback relay to a Unix-socket proxy.
export {
  type NetnsConnection,
  type NetnsHost,
  type NetnsHostOptions,
  netnsUnavailableReason,
  startNetnsHost,
} from "./netns-host.js";
export { RELAY_SCRIPT } from "./relay-script.js";
export { type LoopbackRelay, startLoopbackRelay } from "./unix-relay.js";
