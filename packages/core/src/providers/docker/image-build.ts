// buildSandboxImage(): builds docker/sandbox.Dockerfile through the daemon (`sandcaster image build`).
import { basename, dirname, resolve } from "node:path";
import type Dockerode from "dockerode";
import { packDirectory } from "./tar.js";

export interface BuildSandboxImageOptions {
  /** e.g. "sandcaster-sandbox:latest". */
  tag: string;
  /** The Dockerfile; its directory is the build context. */
  dockerfilePath: string;
  signal?: AbortSignal;
  /** Each line of build output, as the daemon reports it. */
  onProgress?: (line: string) => void;
}

interface ProgressEvent {
  stream?: string;
  status?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** Builds the image; resolves with its id when done, rejects with the daemon's error and log tail. */
export async function buildSandboxImage(
  docker: Dockerode,
  options: BuildSandboxImageOptions,
): Promise<{ imageId: string | undefined }> {
  const dockerfilePath = resolve(options.dockerfilePath);
  const context = dirname(dockerfilePath);
  options.signal?.throwIfAborted();
  let archive: Buffer;
  try {
    archive = await packDirectory(context);
  } catch (error) {
    throw new Error(`Cannot read the build context ${context}: ${String(error)}`, { cause: error });
  }
  const tail: string[] = [];
  let imageId: string | undefined;
  let failure: string | undefined;
  const onEvent = (event: ProgressEvent) => {
    const line = (event.stream ?? event.status ?? "").replace(/\n$/, "");
    if (line) {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      options.onProgress?.(line);
    }
    if (event.aux?.ID) imageId = event.aux.ID;
    if (event.error || event.errorDetail) failure ??= event.errorDetail?.message ?? event.error;
  };
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage(
      archive as unknown as NodeJS.ReadableStream,
      {
        t: options.tag,
        dockerfile: basename(dockerfilePath),
        rm: true,
        forcerm: true,
        abortSignal: options.signal,
      } as Dockerode.ImageBuildOptions,
    );
  } catch (error) {
    throw new Error(`Docker refused to build ${options.tag}: ${String(error)}`, { cause: error });
  }
  await new Promise<void>((resolvePromise, reject) => {
    docker.modem.followProgress(
      stream,
      (error) => {
        if (error) failure ??= error.message;
        if (options.signal?.aborted) return reject(options.signal.reason);
        if (failure) {
          const log = tail.length ? `\n--- last build output ---\n${tail.join("\n")}` : "";
          return reject(new Error(`Building image ${options.tag} failed: ${failure}${log}`));
        }
        resolvePromise();
      },
      (event: ProgressEvent) => onEvent(event),
    );
  });
  return { imageId };
}
