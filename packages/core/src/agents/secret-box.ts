// Agent secrets at rest: AES-256-GCM under the server key SANDCASTER_SECRETS_KEY (32 bytes,
// base64 or hex), with the agent and the key name as associated data, so a sealed value moved
// to another agent or name does not open.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

export interface SealedSecret {
  iv: string;
  tag: string;
  data: string;
}

export const SECRETS_KEY_HINT =
  "set SANDCASTER_SECRETS_KEY to 32 random bytes, base64 or hex (e.g. `openssl rand -base64 32`)";

/** The key from its text; undefined when it is not 32 bytes in either encoding. */
export function parseSecretsKey(text: string | undefined): Buffer | undefined {
  if (!text) return undefined;
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, "hex");
  const decoded = Buffer.from(trimmed, "base64");
  return decoded.length === 32 ? decoded : undefined;
}

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error("AES-256-GCM needs a 32-byte key");
  }

  seal(value: string, context: string): SealedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const data = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
    return {
      iv: iv.toString("base64"),
      tag: cipher.getAuthTag().toString("base64"),
      data: data.toString("base64"),
    };
  }

  /** Throws when the key, the context or the ciphertext is not the one it was sealed with. */
  open(sealed: SealedSecret, context: string): string {
    const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(sealed.iv, "base64"));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
    return Buffer.concat([
      decipher.update(Buffer.from(sealed.data, "base64")),
      decipher.final(),
    ]).toString("utf8");
  }
}
