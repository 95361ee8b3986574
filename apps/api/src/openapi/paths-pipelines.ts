// POST /pipelines: a markdown document whose bash blocks run as steps, streamed like /query.
import { schemaRef } from "./json-schema.js";
import { operation } from "./operation.js";
import { eventStream } from "./paths-runs.js";

export const pipelinePaths = {
  "/pipelines": {
    post: operation({
      operationId: "runPipeline",
      summary: "Run a markdown pipeline and stream its steps",
      description:
        "The body is the document (`text/markdown`) or a PipelineRequest. Every top-level ```bash block is a step, run in order in one sandbox; the first failing step stops the run unless its info string says `continue-on-error`, and `timeout=N` limits one step. Events: `step_start`, `stdout`/`stderr` (with the step's `index`), `step_end`, `file`, then `result` whose `content` is the document with each step's result written back under its block and whose `exitCode` is the pipeline's. Refusals (no bash block, bad or unknown front-matter keys, bad step options) are 400 naming the field. No model key is needed.",
      tags: ["runs"],
      requestBody: {
        required: true,
        content: {
          "text/markdown": { schema: { type: "string" } },
          "application/json": { schema: schemaRef("PipelineRequest") },
        },
      },
      responses: { "200": eventStream("The pipeline's events, live.") },
      errors: [
        "BadRequest",
        "NotFound",
        "Conflict",
        "Gone",
        "Misdirected",
        "PayloadTooLarge",
        "UnsupportedMediaType",
        "TooManyRequests",
        "ServiceUnavailable",
      ],
    }),
  },
};
