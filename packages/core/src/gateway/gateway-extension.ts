// The model gateway and the egress proxy as a run extension (run/run-extension.ts): once the
// sandbox exists, the run's provider key stays on the host behind a capability token; the runner
// gets the token and where the gateway is, the agent's tools get the egress proxy, the run's usage
// and cost are what the gateway counted, and an exhausted budget ends the run with BUDGET_EXCEEDED.
import { ERROR_CODES, type SandcasterConfig } from "@sandcaster/protocol";
import type { EgressDenial } from "../egress/admit.js";
import { createEgressProxy, type EgressProxyOptions } from "../egress/egress-proxy.js";
import { createDenialReporter } from "../egress/egress-warnings.js";
import { RunError } from "../run/run-error.js";
import type {
  MeteredUsage,
  OpenedRunExtension,
  RunExtension,
  RunExtensionContext,
  RunnerPatch,
} from "../run/run-extension.js";
import type { GatewayRegistry } from "./gateway-registry.js";
import type { GatewayCall } from "./gateway-run-state.js";
import { openRunGateway, type RunGateway } from "./run-gateway.js";
import type { BudgetRefusal } from "./run-spend.js";
import { upstreamFromEnv } from "./upstream.js";

export interface GatewayExtensionOptions {
  /** `gateway.publicUrl`: how remote (e2b) sandboxes reach this server's /gateway routes. */
  config: Pick<SandcasterConfig, "gateway">;
  /** The /gateway route's and /metrics' view of open gateways (core's sharedGatewayRegistry). */
  registry?: GatewayRegistry | undefined;
  /** Counts every egress refusal (sandcaster_egress_denied_total); warnings are bounded. */
  countEgressDenied?: ((denial: EgressDenial) => void) | undefined;
  /** The egress proxy's resolver, dialer and bounds (tests); onDenied is the run's own. */
  egress?: Omit<EgressProxyOptions, "onDenied"> | undefined;
}

const PUBLIC_URL_HINT =
  'set gateway.publicUrl in sandcaster.json to where e2b sandboxes reach this server\'s /gateway routes (e.g. "https://sandcaster.example.com/gateway")';

function openEgress(context: RunExtensionContext, options: GatewayExtensionOptions) {
  const reportDenied = createDenialReporter({
    emit: context.emit,
    count: options.countEgressDenied,
  });
  return createEgressProxy(context.plan.network, { ...options.egress, onDenied: reportDenied });
}

/** The run's trace gets a `chat {model}` span per call, with the usage and cost counted here. */
function traceCalls(context: RunExtensionContext): ((call: GatewayCall) => void) | undefined {
  const record = context.tracer?.hostModelCalls();
  if (!record) return undefined;
  return (call) =>
    record({
      provider: call.provider,
      model: call.model,
      startedAt: call.startedAt,
      endedAt: call.endedAt,
      source: "gateway",
      usage: call.usage,
      costUsd: call.costUsd,
      status: call.status >= 200 && call.status < 300 ? "ok" : String(call.status),
    });
}

/**
 * Ends the run with BUDGET_EXCEEDED. Made here, not inline in open(): a closure there would keep
 * open()'s whole context (plan, sandbox, upstreams) for as long as the run is open.
 */
function failOnBudget(fail: RunExtensionContext["fail"]): (refusal: BudgetRefusal) => void {
  return (refusal) =>
    fail(
      new RunError(
        ERROR_CODES.BUDGET_EXCEEDED,
        refusal.message,
        "raise the request's budget (up to sandcaster.json budget), or ask for less work per run",
      ),
    );
}

/** Neither the key nor the real base URL enters the sandbox: only the token, in the config. */
const noEnv = () => ({});

/**
 * What the run holds of its gateway while it is open: methods on a prototype rather than closures
 * (see run-gateway.ts's OpenRunGateway).
 */
class GatewayHandle implements OpenedRunExtension {
  readonly runner: RunnerPatch;

  constructor(private readonly gateway: RunGateway) {
    this.runner = { env: noEnv, config: { gateway: gateway.runner }, secrets: [gateway.token] };
  }

  usage(): MeteredUsage {
    return { usage: this.gateway.usage(), costUsd: this.gateway.costUsd() };
  }

  close(): Promise<void> {
    return this.gateway.close();
  }
}

export function gatewayExtension(options: GatewayExtensionOptions): RunExtension {
  return {
    name: "gateway",
    async open(context) {
      const { plan, sandbox } = context;
      // No model (the run already failed) or no key and no base URL: nothing to keep out.
      if (!plan.model.ok) return undefined;
      const upstream = upstreamFromEnv(plan.model.provider, plan.env);
      if (!upstream) return undefined;
      const socketDir = sandbox.hostSocketDir;
      const publicUrl = options.config.gateway?.publicUrl;
      if (!socketDir && !publicUrl) {
        // Never the fallback of handing the key to a remote sandbox.
        throw new RunError(
          ERROR_CODES.INVALID_CONFIG,
          `${sandbox.provider} sandboxes reach the model only through the gateway, and gateway.publicUrl is not configured`,
          PUBLIC_URL_HINT,
        );
      }
      // Sub-agents of another family: their provider's key stays here too, behind the same token.
      const own = plan.model.provider;
      const moreUpstreams = (plan.subAgentProviders ?? []).flatMap((provider) => {
        const other = upstreamFromEnv(provider, plan.env);
        return other && provider !== own ? [{ provider, upstream: other }] : [];
      });
      const egress = socketDir ? openEgress(context, options) : undefined;
      const gateway = await openRunGateway({
        runId: context.runId,
        provider: plan.model.provider,
        upstream,
        moreUpstreams,
        budget: plan.budget,
        sharedSpend: plan.sharedSpend,
        socketDir,
        sandboxSocketDir: sandbox.hostSocketDirInside,
        publicUrl: socketDir ? undefined : publicUrl,
        registry: options.registry,
        egress,
        onCall: traceCalls(context),
        onBudgetExceeded: failOnBudget(context.fail),
      }).catch((error: unknown) => {
        egress?.close();
        throw error;
      });
      context.log.info({ calls: "gateway", socket: Boolean(socketDir) }, "model gateway open");
      return new GatewayHandle(gateway);
    },
  };
}
