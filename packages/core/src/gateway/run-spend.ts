// One run's spending as the gateway counted it, and the budget check made before every call.
import {
  addUsage,
  type Budget,
  costOfCall,
  priceOf,
  roundUsd,
  type Usage,
  ZERO_USAGE,
} from "@sandcaster/protocol";
import type { SharedSpend } from "./shared-spend.js";

export interface BudgetRefusal {
  field: "maxCostUsd" | "maxInputTokens" | "maxOutputTokens";
  limit: number;
  /** Spent so far plus what the next call is bound to cost at least. */
  projected: number;
  message: string;
}

export const promptTokens = (u: Usage) => u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens;

/** What has been spent, and the last call's prompt as the floor of the next one. */
export interface Spending {
  cost: number;
  usage: Usage;
  lastPrompt: { tokens: number; costUsd: number };
}

/** Why one more call to `model` would pass `budget` given `spent`, or undefined. */
export function budgetRefusal(
  budget: Budget,
  spent: Spending,
  model: string,
  whose: string,
): BudgetRefusal | undefined {
  const { maxCostUsd, maxInputTokens, maxOutputTokens } = budget;
  if (maxCostUsd !== undefined) {
    if (!priceOf(model)) {
      return {
        field: "maxCostUsd",
        limit: maxCostUsd,
        projected: Number.NaN,
        message: `budget.maxCostUsd cannot be enforced for model "${model}": it has no known price`,
      };
    }
    const projected = roundUsd(spent.cost + spent.lastPrompt.costUsd);
    if (spent.cost >= maxCostUsd || projected > maxCostUsd) {
      return {
        field: "maxCostUsd",
        limit: maxCostUsd,
        projected,
        message: `${whose} budget of $${maxCostUsd} would be passed (spent $${roundUsd(spent.cost)}, the next call costs at least $${roundUsd(spent.lastPrompt.costUsd)})`,
      };
    }
  }
  if (maxInputTokens !== undefined) {
    const used = promptTokens(spent.usage);
    const projected = used + spent.lastPrompt.tokens;
    if (used >= maxInputTokens || projected > maxInputTokens) {
      return {
        field: "maxInputTokens",
        limit: maxInputTokens,
        projected,
        message: `${whose} budget of ${maxInputTokens} input tokens would be passed (spent ${used}, the next prompt is at least ${spent.lastPrompt.tokens})`,
      };
    }
  }
  if (maxOutputTokens !== undefined && spent.usage.outputTokens >= maxOutputTokens) {
    return {
      field: "maxOutputTokens",
      limit: maxOutputTokens,
      projected: spent.usage.outputTokens,
      message: `${whose} budget of ${maxOutputTokens} output tokens is spent (${spent.usage.outputTokens})`,
    };
  }
  return undefined;
}

export class RunSpend {
  #usage: Usage = ZERO_USAGE;
  #cost = 0;
  #calls = 0;
  /** Releases of the shared holds of calls admitted and not yet settled. */
  #held: (() => void)[] = [];
  /** Models without a price: the run's costUsd is unknown once one of them was called. */
  readonly unpriced = new Set<string>();
  /** The last call's prompt, as a floor for the next one (a conversation only grows). */
  #lastPrompt: { tokens: number; costUsd: number } = { tokens: 0, costUsd: 0 };

  constructor(
    readonly budget: Budget = {},
    /** The ceiling of a whole this run is part of (every branch and the judge): counted too. */
    readonly shared?: SharedSpend | undefined,
  ) {}

  get usage(): Usage {
    return this.#usage;
  }

  get calls(): number {
    return this.#calls;
  }

  /** Undefined when a call went to a model the price table does not know. */
  get costUsd(): number | undefined {
    return this.unpriced.size > 0 ? undefined : roundUsd(this.#cost);
  }

  /** Counts one finished call; returns its cost (undefined for an unpriced model). */
  record(model: string, usage: Usage): number | undefined {
    this.#calls += 1;
    this.#usage = addUsage(this.#usage, usage);
    const cost = costOfCall(model, usage);
    if (cost === undefined) this.unpriced.add(model);
    else this.#cost += cost;
    const prompt = { ...usage, outputTokens: 0 };
    this.#lastPrompt = { tokens: promptTokens(usage), costUsd: costOfCall(model, prompt) ?? 0 };
    this.shared?.record(usage, cost);
    return cost;
  }

  /**
   * Why a call to `model` must not start, or undefined. A call is refused when the spend so far
   * plus the least it will cost (its prompt is at least the last call's) would pass a ceiling:
   * this run's, or the one it shares with the other runs of its whole (a branching run's).
   */
  refusal(model: string): BudgetRefusal | undefined {
    const own = { cost: this.#cost, usage: this.#usage, lastPrompt: this.#lastPrompt };
    return (
      budgetRefusal(this.budget, own, model, "the run's") ??
      this.shared?.refusal(model, this.#lastPrompt)
    );
  }

  /**
   * The check made when a call starts: its refusal, or undefined with the call's floor held on
   * the shared budget (if any) until `settle`.
   */
  admit(model: string): BudgetRefusal | undefined {
    const refused = this.refusal(model);
    if (!refused && this.shared) this.#held.push(this.shared.reserve(this.#lastPrompt));
    return refused;
  }

  /** A call admitted earlier ended (counted by `record`, or failed): its hold is released. */
  settle(): void {
    this.#held.shift()?.();
  }
}
