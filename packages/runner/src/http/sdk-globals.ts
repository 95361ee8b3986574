// Injected into the Anthropic and OpenAI SDKs' parts (boot/sdk-chunks.mjs) for their free
// `Headers` and `FormData`, so that building a request does not load Node's fetch (headers.ts).
export { FetchHeaders as Headers } from "./headers.js";

/**
 * Node's FormData, loaded only when something builds one (a file upload; runs send none). The
 * SDKs test every request body with `instanceof FormData`, which on the global loads Node's fetch;
 * here it checks the tag Node's FormData carries.
 */
export class FormData {
  static [Symbol.hasInstance](value: unknown): boolean {
    return Object.prototype.toString.call(value) === "[object FormData]";
  }

  constructor(...args: ConstructorParameters<typeof globalThis.FormData>) {
    // biome-ignore lint/correctness/noConstructorReturn: stands in for Node's own class
    return new globalThis.FormData(...args);
  }
}

/**
 * Node's ReadableStream, loaded only when something builds one. The SDKs test each request's body
 * with `instanceof globalThis.ReadableStream`, which on the global loads Node's web streams (~1.5 ms
 * before a run's first request). The build maps that name to this export (boot/sdk-chunks.mjs; an
 * SDK's own local `ReadableStream` would shadow a plain one), and here `instanceof` checks the tag
 * Node's streams carry, subclasses' included.
 */
class LazyReadableStream {
  static [Symbol.hasInstance](value: unknown): boolean {
    return Object.prototype.toString.call(value) === "[object ReadableStream]";
  }

  constructor(...args: ConstructorParameters<typeof globalThis.ReadableStream>) {
    // Reflect.get: the build maps `globalThis.ReadableStream` itself to this class.
    const NodeReadableStream = Reflect.get(globalThis, "ReadableStream");
    // biome-ignore lint/correctness/noConstructorReturn: stands in for Node's own class
    return new NodeReadableStream(...args);
  }
}

export { LazyReadableStream as __sandcasterReadableStream };
