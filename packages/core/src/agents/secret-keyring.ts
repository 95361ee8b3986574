// The server's secrets keys: the current one seals, and any of the previous ones still opens, so a
// key can be rotated without losing secrets (SANDCASTER_SECRETS_KEY and
// SANDCASTER_SECRETS_KEY_PREVIOUS, comma-separated). What a previous key opened is reported stale,
// for the caller to seal again under the current key.
import { parseSecretsKey, type SealedSecret, SecretBox } from "./secret-box.js";

export interface OpenedSecret {
  value: string;
  /** Sealed under a previous key: seal it again under the current one. */
  stale: boolean;
}

export class SecretKeyring {
  readonly #current: SecretBox;
  readonly #previous: SecretBox[];

  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    this.#current = new SecretBox(current);
    this.#previous = previous.map((key) => new SecretBox(key));
  }

  seal(value: string, context: string): SealedSecret {
    return this.#current.seal(value, context);
  }

  /** Throws when no key opens it (or it was moved to another context, or tampered with). */
  open(sealed: SealedSecret, context: string): OpenedSecret {
    try {
      return { value: this.#current.open(sealed, context), stale: false };
    } catch (error) {
      // GCM's tag check fails for a wrong key: try the previous ones, newest first.
      for (const box of this.#previous) {
        try {
          return { value: box.open(sealed, context), stale: true };
        } catch {}
      }
      throw error;
    }
  }
}

/** Previous keys from their comma-separated text; the positions of the ones that do not parse. */
export function parsePreviousKeys(text: string | undefined): { keys: Buffer[]; invalid: number[] } {
  const keys: Buffer[] = [];
  const invalid: number[] = [];
  const parts = (text ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
  parts.forEach((part, index) => {
    const key = parseSecretsKey(part);
    if (key) keys.push(key);
    else invalid.push(index + 1);
  });
  return { keys, invalid };
}
