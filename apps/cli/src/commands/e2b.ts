// `sandcaster e2b webhook register|list|delete`: manages E2B lifecycle webhooks pointing at this server.
import { parseArgs } from "node:util";
import { e2bApiUrl } from "../e2b-api-url.js";

const HELP = `usage: sandcaster e2b webhook register --url https://your-server/webhooks/e2b [--name NAME]
       sandcaster e2b webhook list
       sandcaster e2b webhook delete <id>

Needs E2B_API_KEY; register also needs SANDCASTER_E2B_WEBHOOK_SECRET (the secret the server checks).
E2B_API_URL (or E2B_DOMAIN) points at a non-default E2B deployment.`;

const EVENTS = [
  "sandbox.lifecycle.created",
  "sandbox.lifecycle.updated",
  "sandbox.lifecycle.killed",
];

async function call(
  env: NodeJS.ProcessEnv,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const key = env.E2B_API_KEY;
  if (!key) throw new Error("set E2B_API_KEY");
  const response = await fetch(`${e2bApiUrl(env)}${path}`, {
    method,
    headers: { "X-API-Key": key, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`E2B answered ${response.status} to ${method} ${path}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

export async function e2bCommand(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: "string" },
      name: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [group, action, id] = positionals;
  if (values.help || group !== "webhook" || !action) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  if (action === "register") {
    if (!values.url) throw new Error("register needs --url (the public URL of /webhooks/e2b)");
    const secret = env.SANDCASTER_E2B_WEBHOOK_SECRET;
    if (!secret) throw new Error("set SANDCASTER_E2B_WEBHOOK_SECRET: E2B signs deliveries with it");
    const created = await call(env, "POST", "/events/webhooks", {
      name: values.name ?? "sandcaster",
      url: values.url,
      enabled: true,
      events: EVENTS,
      signatureSecret: secret,
    });
    console.log(JSON.stringify(created, null, 2));
    return 0;
  }
  if (action === "list") {
    console.log(JSON.stringify(await call(env, "GET", "/events/webhooks"), null, 2));
    return 0;
  }
  if (action === "delete") {
    if (!id) throw new Error("usage: sandcaster e2b webhook delete <id>");
    await call(env, "DELETE", `/events/webhooks/${encodeURIComponent(id)}`);
    console.log(`deleted webhook ${id}`);
    return 0;
  }
  throw new Error(`unknown action "${action}"; expected register, list or delete`);
}
