// The e2b TemplateBuilder: the spec becomes an E2B template (the SDK's Template builder, from the
// base E2B template), built by E2B's template build API under the name `sandcaster-<id prefix>`, so
// a built one is found by name after a restart. Runs are e2b sandboxes created from that name.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TemplateSpec } from "@sandcaster/protocol";
import type { ConnectionOpts, TemplateBuilder as SdkTemplate } from "e2b";
import { createE2BProvider, type E2BProviderSettings } from "../providers/e2b/e2b-provider.js";
import { e2bSdk } from "../providers/e2b/sdk.js";
import { TemplateBuildError } from "./template-build-error.js";
import type { TemplateBuilder } from "./template-service.js";

const TAIL_CHARS = 4_000;

export interface E2BTemplateBuilderOptions {
  /** The server's E2B settings (key, URLs, sweeps); runs get them with the template's name. */
  provider: Omit<E2BProviderSettings, "template">;
  /** How often the build's status and logs are polled (default 1 s). */
  pollMs?: number;
}

/** 160 bits of the id: names stay short, collisions stay out of reach. */
export const e2bTemplateName = (id: string) => `sandcaster-${id.slice(0, 40)}`;

/** Single-quoted for sh (package names are already limited to a safe alphabet; this is belt). */
const quote = (words: readonly string[]) => words.map((w) => `'${w.replaceAll("'", "'\\''")}'`);

/** The SDK template of `spec`, and the name of each of its steps as our failures report them. */
async function sdkTemplate(spec: TemplateSpec & { base: { e2b: string } }, context: string) {
  const names: string[] = [];
  const { Template } = await e2bSdk();
  let t: SdkTemplate = Template({ fileContextPath: context }).fromTemplate(spec.base.e2b);
  if (Object.keys(spec.env).length > 0) {
    t = t.setEnvs(spec.env);
    names.push("env");
  }
  t = t.makeDir(spec.workdir, { user: "root" }).setWorkdir(spec.workdir);
  names.push("workdir", "workdir");
  await mkdir(join(context, "files"), { recursive: true });
  for (const [index, file] of spec.files.entries()) {
    const content = Buffer.from(file.content, file.encoding === "base64" ? "base64" : "utf8");
    await writeFile(join(context, "files", String(index)), content, { mode: file.mode });
    t = t.copy(`files/${index}`, file.path, { mode: file.mode, user: "root" });
    names.push(`files[${index}]`);
  }
  const { apt, npm, pip } = spec.packages;
  const run = (name: string, command: string) => {
    t = t.runCmd(command, { user: "root" });
    names.push(name);
  };
  if (apt.length > 0) {
    run(
      "packages.apt",
      `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${quote(apt).join(" ")}`,
    );
  }
  if (npm.length > 0)
    run("packages.npm", `npm install -g --no-audit --no-fund ${quote(npm).join(" ")}`);
  if (pip.length > 0) run("packages.pip", `pip install --no-cache-dir ${quote(pip).join(" ")}`);
  for (const [index, command] of spec.setup.entries()) {
    run(`setup[${index}]: ${command.slice(0, 80)}`, command);
  }
  return { template: t, names };
}

export function e2bTemplateBuilder(options: E2BTemplateBuilderOptions): TemplateBuilder {
  const connection: ConnectionOpts = {
    ...(options.provider.apiKey ? { apiKey: options.provider.apiKey } : {}),
    ...(options.provider.apiUrl ? { apiUrl: options.provider.apiUrl } : {}),
    ...(options.provider.domain ? { domain: options.provider.domain } : {}),
  };
  const pollMs = options.pollMs ?? 1_000;
  return {
    async exists(id) {
      const name = e2bTemplateName(id);
      const { Template } = await e2bSdk();
      return (await Template.exists(name, connection)) ? name : undefined;
    },
    async build(id, spec, context) {
      if (!("e2b" in spec.base)) throw new Error("not an e2b template spec");
      const name = e2bTemplateName(id);
      const { Template } = await e2bSdk();
      const dir = await mkdtemp(join(tmpdir(), "sandcaster-e2b-template-"));
      try {
        const { template, names } = await sdkTemplate({ ...spec, base: spec.base }, dir);
        context.onLog(`==> requesting the E2B build of ${name} from ${spec.base.e2b}`);
        const build = await Template.buildInBackground(template, name, connection);
        let offset = 0;
        let tail = "";
        for (;;) {
          context.signal.throwIfAborted();
          const status = await Template.getBuildStatus(build, {
            ...connection,
            logsOffset: offset,
          });
          offset += status.logEntries.length;
          for (const entry of status.logEntries) {
            context.onLog(entry.message);
            tail = `${tail}${entry.message}\n`.slice(-TAIL_CHARS);
          }
          if (status.status === "ready") return name;
          if (status.status === "error") {
            const reason = status.reason;
            const ref = reason?.step;
            const step =
              ref === undefined || ref === "base" || ref === "finalize"
                ? (ref ?? "build")
                : (names[Number(ref) - 1] ?? `step ${ref}`);
            const exit = /exit (?:status|code) (\d+)/.exec(reason?.message ?? "");
            throw new TemplateBuildError(
              { step, exitCode: exit ? Number(exit[1]) : null, outputTail: tail },
              `template build step ${step} failed on E2B: ${reason?.message ?? "unknown error"}`,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, pollMs));
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    provider(ref) {
      return createE2BProvider({ ...options.provider, template: ref });
    },
  };
}
