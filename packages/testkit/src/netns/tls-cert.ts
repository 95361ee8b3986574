// A throwaway self-signed certificate for a test host, made at start (never checked in): valid
// for its fake names and its address, and trusted by passing it as the CA (curl --cacert).

export interface TestCertificate {
  certPem: string;
  keyPem: string;
}

export async function makeCertificate(
  hostnames: string[],
  address: string,
): Promise<TestCertificate> {
  // Imported here, not at the top: the testkit's index is imported by every test helper's user
  // (the bench's server too), and selfsigned's X.509 stack is ~3 MB of heap they never use.
  const { generate } = await import("selfsigned");
  const now = new Date();
  const result = await generate([{ name: "commonName", value: hostnames[0] ?? address }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 24 * 3600_000),
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "keyUsage", digitalSignature: true, keyCertSign: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          ...hostnames.map((value) => ({ type: 2 as const, value })),
          { type: 7 as const, ip: address },
        ],
      },
    ],
  });
  return { certPem: result.cert, keyPem: result.private };
}
