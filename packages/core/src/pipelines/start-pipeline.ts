// The entry for a pipeline: parse the document (refusals are PlanErrors naming the field, before
// anything starts), then start it as a run whose exec phase runs the steps — so a pipeline gets
// the run's sandbox handling, session turn, recording, replay, cancel, timeout and teardown.
import type { PipelineRequest, QueryRequest } from "@sandcaster/protocol";
import type { RunHandle } from "../run/run-handle.js";
import type { StartRunServices } from "../run/run-services.js";
import { type StartRunOptions, startRun } from "../run/start-run.js";
import { pipelineExec } from "./pipeline-exec.js";

/**
 * The parser (micromark, mdast and yaml: ~1.5 MB of heap), imported on the first pipeline: a server
 * that never runs one never loads it. Tested by pipelines-lazy.test.ts.
 */
const loadParser = () => import("./parse-pipeline.js");

export async function startPipeline(
  request: PipelineRequest,
  services: StartRunServices,
  options: Omit<StartRunOptions, "exec"> = {},
): Promise<RunHandle> {
  const { parsePipeline } = await loadParser();
  const pipeline = parsePipeline(request.markdown);
  const { frontMatter } = pipeline;
  const sandboxProvider = request.sandboxProvider ?? frontMatter.sandboxProvider;
  const sessionId = request.session ?? frontMatter.session;
  const run: QueryRequest = {
    // What /runs and the session's history show for this run.
    prompt: `pipeline: ${pipeline.title} (${pipeline.steps.length} steps)`,
    ...(sandboxProvider ? { sandboxProvider } : {}),
    ...(sessionId ? { sessionId } : {}),
    ...(request.timeout ? { timeout: request.timeout } : {}),
    ...(request.metadata ? { metadata: request.metadata } : {}),
  };
  return startRun(run, services, { ...options, exec: pipelineExec(pipeline, request.files ?? []) });
}
