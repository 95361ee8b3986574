// E2B's webhook signature: SHA-256 of (secret + raw body), base64 without padding — not an HMAC.
import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Compares digests, not strings, in constant time. The header is decoded from base64url or
 * base64 (E2B documents the padding-free form; the alphabet is accepted either way).
 */
export function verifyE2BSignature(
  secret: string,
  rawBody: Uint8Array,
  header: string | undefined,
): boolean {
  if (!header || !/^[A-Za-z0-9+/_-]{43}=?$/.test(header.trim())) return false;
  const given = Buffer.from(header.trim().replace(/-/g, "+").replace(/_/g, "/"), "base64");
  const expected = createHash("sha256").update(secret).update(rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}
