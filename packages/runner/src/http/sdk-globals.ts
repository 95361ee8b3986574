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
