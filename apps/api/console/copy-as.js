// A playground request as something to paste elsewhere: a curl command, an @sandcaster/sdk script,
// or a `sandcaster query` command line. The API key is never written in: each names the
// SANDCASTER_API_KEY environment variable instead.

/** @typedef {Record<string, unknown>} QueryRequest */

/** A POSIX shell word: single quotes, with each ' written as '\''. @param {string} text */
export function shellQuote(text) {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** @param {QueryRequest} request @param {string} origin @param {boolean} keyed */
export function asCurl(request, origin, keyed) {
  const lines = [
    `curl -N ${shellQuote(`${origin}/query`)}`,
    `  -H 'content-type: application/json'`,
    ...(keyed ? [`  -H "authorization: Bearer $SANDCASTER_API_KEY"`] : []),
    `  --data-binary ${shellQuote(JSON.stringify(request))}`,
  ];
  return lines.join(" \\\n");
}

/** @param {QueryRequest} request @param {string} origin @param {boolean} keyed */
export function asSdk(request, origin, keyed) {
  const options = keyed
    ? `{ baseUrl: ${JSON.stringify(origin)}, apiKey: process.env.SANDCASTER_API_KEY }`
    : `{ baseUrl: ${JSON.stringify(origin)} }`;
  return [
    `import { createClient } from "@sandcaster/sdk";`,
    "",
    `const client = createClient(${options});`,
    `const run = client.query(${JSON.stringify(request, null, 2)});`,
    "for await (const event of run) console.log(event);",
  ].join("\n");
}

/** Request fields and the `sandcaster query` flags that set them. */
const FLAGS = /** @type {const} */ ([
  ["model", "--model"],
  ["sandboxProvider", "--sandbox"],
  ["sessionId", "--session"],
  ["maxTurns", "--max-turns"],
  ["timeout", "--timeout"],
  ["thinkingLevel", "--thinking-level"],
]);

/** The CLI reads SANDCASTER_API_KEY itself. @param {QueryRequest} request @param {string} origin */
export function asCli(request, origin) {
  const words = ["sandcaster", "query", shellQuote(String(request.prompt ?? ""))];
  for (const [field, flag] of FLAGS) {
    if (request[field] !== undefined) words.push(flag, shellQuote(String(request[field])));
  }
  // The CLI reads files from disk: the picked files, by name, from the current directory.
  for (const name of Object.keys(/** @type {object} */ (request.files ?? {})))
    words.push("--file", shellQuote(name));
  words.push("--url", shellQuote(origin));
  return words.join(" ");
}
