// A deploy's archive goes as base64 in the JSON body: Buffer where there is one (Node, Bun), else
// btoa over binary-string chunks (browsers; chunked so a large archive cannot overflow the stack).
const CHUNK = 0x8000;

export function base64(bytes: Uint8Array): string {
  const buffer = (
    globalThis as { Buffer?: { from(b: Uint8Array): { toString(e: string): string } } }
  ).Buffer;
  if (buffer) return buffer.from(bytes).toString("base64");
  let binary = "";
  for (let at = 0; at < bytes.length; at += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(at, at + CHUNK));
  }
  return btoa(binary);
}
