// A plain HTTP client over the gateway's Unix socket, as the runner's relay would reach it.
import { request } from "node:http";

export interface SocketAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function callSocket(
  socketPath: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: unknown },
): Promise<SocketAnswer> {
  const text = options.body === undefined ? "" : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        method: options.method ?? "POST",
        path: options.path,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(text),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}

/** The JSON of every `data:` line of an SSE body. */
export function sseData(body: string): unknown[] {
  return body
    .split("\n")
    .filter((line) => line.startsWith("data:") && !line.includes("[DONE]"))
    .map((line) => JSON.parse(line.slice(5)) as unknown);
}
