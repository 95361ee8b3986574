// One try to POST a webhook: the URL's name is resolved once, every address is checked against the
// egress rules (loopback, private, link-local, metadata and this server's own addresses are refused
// unless exempted), and the connection goes to those checked addresses only: the HTTP client's own
// lookup is replaced, so a DNS answer that changes between check and connect (rebinding) is moot.
import type { LookupAddress } from "node:dns";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { canonicalAddress, refusedAddress } from "../egress/address-check.js";
import { MAX_ADDRESSES, type Resolve, within } from "../egress/dial.js";

export interface SendSettings {
  resolve: Resolve;
  /** Exact canonical addresses the operator exempted (sandcaster.json webhook.allowAddresses). */
  allowAddresses: ReadonlySet<string>;
  /** This server's addresses, read per try (serverAddresses()). */
  ownAddresses: () => ReadonlySet<string>;
  timeoutMs: number;
}

export interface TryOutcome {
  ok: boolean;
  status?: number | undefined;
  /** Why the try failed, for the record: hosts, addresses and statuses, never the body. */
  error?: string | undefined;
  /** Whether another try may succeed (a refused address or a 4xx other than 408/429 will not). */
  retryable: boolean;
}

/** The receiver's answer is drained up to this much and dropped; it is never stored. */
const MAX_RESPONSE_BYTES = 64 * 1024;

async function checkedAddresses(
  host: string,
  settings: SendSettings,
): Promise<{ addresses: string[] } | { refused: string }> {
  const literal = canonicalAddress(host);
  const addresses = literal
    ? [literal]
    : (await within(settings.resolve(host), settings.timeoutMs, `resolving ${host}`)).slice(
        0,
        MAX_ADDRESSES,
      );
  if (addresses.length === 0) return { refused: `${host} does not resolve` };
  const rules = { allowAddresses: settings.allowAddresses, ownAddresses: settings.ownAddresses() };
  // One refused address refuses the name: a public name has no business resolving to 10.x too.
  for (const address of addresses) {
    const refused = refusedAddress(address, rules);
    if (refused) return { refused: literal ? refused : `${host} resolves to ${refused}` };
  }
  return { addresses };
}

/** A lookup that answers only with the addresses already checked. */
function pinnedLookup(addresses: readonly string[]): LookupFunction {
  const answers: LookupAddress[] = addresses.map((address) => ({
    address,
    family: isIP(address),
  }));
  const first = answers[0] as LookupAddress;
  return (_hostname, options, callback) => {
    callback(null, options.all ? answers : first.address, first.family);
  };
}

function drain(response: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    response.on("data", (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > MAX_RESPONSE_BYTES) response.destroy();
    });
    response.once("end", resolve);
    response.once("close", resolve);
    response.once("error", () => resolve());
  });
}

function verdict(status: number): TryOutcome {
  if (status >= 200 && status < 300) return { ok: true, status, retryable: false };
  const retryable = status >= 500 || status === 408 || status === 429;
  const why =
    status >= 300 && status < 400
      ? `the receiver answered ${status} (redirects are not followed)`
      : `the receiver answered ${status}`;
  return { ok: false, status, error: why, retryable };
}

export async function sendOnce(
  url: URL,
  headers: Record<string, string>,
  body: string,
  settings: SendSettings,
): Promise<TryOutcome> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let checked: Awaited<ReturnType<typeof checkedAddresses>>;
  try {
    checked = await checkedAddresses(host, settings);
  } catch (error) {
    return {
      ok: false,
      error: `cannot resolve ${host}: ${(error as Error).message}`,
      retryable: true,
    };
  }
  if ("refused" in checked) {
    return { ok: false, error: `refused: ${checked.refused}`, retryable: false };
  }
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  const signal = AbortSignal.timeout(settings.timeoutMs);
  return new Promise<TryOutcome>((resolve) => {
    const req = send(
      url,
      {
        method: "POST",
        headers: {
          ...headers,
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(body)),
          "user-agent": "sandcaster-webhooks",
        },
        lookup: pinnedLookup(checked.addresses),
        // A fresh connection per try: a pooled socket could lead somewhere checked earlier.
        agent: false,
        signal,
      },
      (response) => {
        void drain(response).then(() => resolve(verdict(response.statusCode ?? 0)));
      },
    );
    req.once("error", (error) => {
      const why = signal.aborted
        ? `no answer within ${settings.timeoutMs} ms`
        : `cannot reach ${host}: ${error.message}`;
      resolve({ ok: false, error: why, retryable: true });
    });
    req.end(body);
  });
}
