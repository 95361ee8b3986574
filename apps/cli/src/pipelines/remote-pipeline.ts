// A pipeline on a server as the CLI's RunHandle, through the SDK (client.pipelines.run): leaving
// the stream cancels the run (the default disconnect policy), and the server tears it down.
import type { PipelineRequestInput, SandcasterEvent } from "@sandcaster/protocol";
import { createClient, isKnownEvent } from "@sandcaster/sdk";
import type { RunHandle } from "../run-types.js";

export function startRemotePipeline(
  url: string,
  apiKey: string | undefined,
  request: PipelineRequestInput,
): RunHandle {
  const client = createClient({ baseUrl: url, apiKey });
  const { markdown, ...options } = request;
  const stream = client.pipelines.run(markdown, options);
  let ended: () => void = () => undefined;
  const over = new Promise<void>((resolve) => {
    ended = resolve;
  });
  return {
    events: (async function* (): AsyncGenerator<SandcasterEvent> {
      try {
        for await (const event of stream) if (isKnownEvent(event)) yield event;
      } finally {
        ended();
      }
    })(),
    runId: () => stream.runId,
    async cancel() {
      stream.abort("cancelled with Ctrl-C");
      await over;
    },
    async close() {
      stream.abort("the command stopped");
    },
  };
}
