// `sandcaster image build`: builds the Docker sandbox image from docker/sandbox.Dockerfile.
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildSandboxImage } from "@sandcaster/core";
import Docker from "dockerode";

const DOCKERFILE = fileURLToPath(new URL("../../../../docker/sandbox.Dockerfile", import.meta.url));

export async function imageCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tag: { type: "string", default: "sandcaster-sandbox:latest" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || positionals[0] !== "build") {
    console.log("usage: sandcaster image build [--tag sandcaster-sandbox:latest]");
    return values.help ? 0 : 2;
  }
  await buildSandboxImage(new Docker(), { tag: values.tag, dockerfilePath: DOCKERFILE });
  console.log(`built ${values.tag}`);
  return 0;
}
