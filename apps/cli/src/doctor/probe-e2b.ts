// Does E2B answer with our key (E2B_API_KEY; E2B_API_URL / E2B_DOMAIN as the e2b provider reads them)?
import { e2bApiUrl } from "../e2b-api-url.js";
import type { Finding } from "./check.js";

export async function probeE2B(
  env: Readonly<Record<string, string | undefined>>,
  signal: AbortSignal,
): Promise<Finding> {
  const key = env.E2B_API_KEY;
  if (!key) return { ok: false, message: "E2B_API_KEY is not set", hint: "export E2B_API_KEY=…" };
  const url = e2bApiUrl(env);
  let response: Response;
  try {
    response = await fetch(`${url}/v2/sandboxes?limit=1`, {
      headers: { "X-API-Key": key },
      signal,
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? String(error);
    return {
      ok: false,
      message: `cannot reach ${url}: ${cause}`,
      hint: "check the network, or E2B_API_URL / E2B_DOMAIN",
    };
  }
  await response.body?.cancel();
  if (response.ok) return { ok: true, message: `${url} accepts the key` };
  if (response.status === 401 || response.status === 403)
    return {
      ok: false,
      message: `${url} rejects E2B_API_KEY (${response.status})`,
      hint: "create a key at https://e2b.dev/dashboard and set E2B_API_KEY",
    };
  return { ok: false, message: `${url} answered ${response.status}`, hint: "try again later" };
}
