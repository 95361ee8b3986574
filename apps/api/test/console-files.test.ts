// The console's file encoding (console/files.js, console/artifacts.js): what a picked file becomes in a
// request, and how an artifact's base64 turns back into bytes.
import { FileEncodingSchema, RequestFilesSchema } from "@sandcaster/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeBase64 } from "../console/artifacts.js";
import { encodeBase64, requestFile } from "../console/files.js";

describe("console file encoding", () => {
  it("sends UTF-8 text as a string and anything else as base64 the server accepts", () => {
    expect(requestFile(new TextEncoder().encode("héllo\n"))).toBe("héllo\n");
    const binary = requestFile(new Uint8Array([0, 1, 255]));
    expect(binary).toEqual({ content: "AAH/", encoding: "base64" });
    expect(FileEncodingSchema.options).toContain("base64");
    const parsed = RequestFilesSchema.parse({ "a.txt": "x", "b.bin": binary });
    expect(parsed.map((f) => [f.path, f.encoding, f.sizeBytes])).toEqual([
      ["a.txt", "utf8", 1],
      ["b.bin", "base64", 3],
    ]);
  });

  it("base64 round-trips any bytes, large ones included", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        const encoded = encodeBase64(bytes);
        expect(encoded).toBe(Buffer.from(bytes).toString("base64"));
        expect([...decodeBase64(encoded)]).toEqual([...bytes]);
      }),
    );
    const big = new Uint8Array(200_000).map((_, i) => i % 251);
    expect(decodeBase64(encodeBase64(big))).toEqual(big);
  });
});
