// The E2B control-plane URL the e2b SDK would use: E2B_API_URL, else https://api.<E2B_DOMAIN>.

export function e2bApiUrl(env: Readonly<Record<string, string | undefined>>): string {
  if (env.E2B_API_URL) return env.E2B_API_URL.replace(/\/+$/, "");
  return `https://api.${env.E2B_DOMAIN || "e2b.app"}`;
}
