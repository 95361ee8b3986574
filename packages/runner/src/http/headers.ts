// A WHATWG `Headers` that does not load Node's fetch. In Node 20, `Headers`, `Response` and `fetch`
// are lazy globals behind one getter that loads undici: its ~400 KB of JS, crypto, tls, http2,
// worker_threads and a WebAssembly HTTP parser, ~45 ms CPU of a cold boot (measured) before the
// first model request. The Anthropic and OpenAI SDKs build every request's headers with
// `new Headers()`, so their parts get this class instead (boot/sdk-chunks.mjs) and send through
// node-fetch.ts. Hand-written: the libraries that provide it (node-fetch, headers-polyfill) bring
// their own request stack or dependencies; this is the spec's behaviour the SDKs use, no more.

type HeadersInitLike =
  | Iterable<readonly [string, string] | readonly string[]>
  | Record<string, string | readonly string[] | undefined>
  | { entries(): Iterable<[string, string]> };

// RFC 9110 token characters.
const NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// A value may not hold NUL, CR or LF; leading and trailing spaces and tabs are dropped.
const BAD_VALUE = /[\0\r\n]/;

function checkedName(name: string): string {
  const text = String(name);
  if (!NAME.test(text)) throw new TypeError(`invalid header name: ${JSON.stringify(text)}`);
  return text.toLowerCase();
}

function checkedValue(name: string, value: string): string {
  const text = String(value).replace(/^[ \t]+|[ \t]+$/g, "");
  if (BAD_VALUE.test(text)) throw new TypeError(`invalid value for header ${name}`);
  return text;
}

export class FetchHeaders {
  // Lower-cased name → its values in order (set-cookie's are listed apart, the others joined).
  readonly #values = new Map<string, string[]>();

  constructor(init?: HeadersInitLike | null) {
    if (init === undefined || init === null) return;
    if (typeof init !== "object") throw new TypeError("Headers init must be an object");
    if (Symbol.iterator in init) {
      for (const pair of init as Iterable<readonly string[]>) {
        if (pair.length !== 2) throw new TypeError("each header pair must be [name, value]");
        this.append(pair[0] as string, pair[1] as string);
      }
      return;
    }
    for (const [name, value] of Object.entries(init)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const one of value) this.append(name, one);
      else this.append(name, value as string);
    }
  }

  append(name: string, value: string): void {
    const key = checkedName(name);
    const text = checkedValue(key, value);
    const values = this.#values.get(key);
    if (values) values.push(text);
    else this.#values.set(key, [text]);
  }

  set(name: string, value: string): void {
    const key = checkedName(name);
    this.#values.set(key, [checkedValue(key, value)]);
  }

  delete(name: string): void {
    this.#values.delete(checkedName(name));
  }

  get(name: string): string | null {
    const values = this.#values.get(checkedName(name));
    return values ? values.join(", ") : null;
  }

  has(name: string): boolean {
    return this.#values.has(checkedName(name));
  }

  getSetCookie(): string[] {
    return [...(this.#values.get("set-cookie") ?? [])];
  }

  /** Sorted by name, as the spec lists them; each set-cookie apart, other values combined. */
  *entries(): IterableIterator<[string, string]> {
    for (const name of [...this.#values.keys()].sort()) {
      const values = this.#values.get(name) ?? [];
      if (name === "set-cookie") for (const value of values) yield [name, value];
      else yield [name, values.join(", ")];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  forEach(
    callback: (value: string, name: string, headers: FetchHeaders) => void,
    thisArg?: unknown,
  ): void {
    for (const [name, value] of this.entries()) callback.call(thisArg, value, name, this);
  }

  get [Symbol.toStringTag](): string {
    return "Headers";
  }
}
