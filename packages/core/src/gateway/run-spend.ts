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

export interface BudgetRefusal {
  field: "maxCostUsd" | "maxInputTokens" | "maxOutputTokens";
  limit: number;
  /** Spent so far plus what the next call is bound to cost at least. */
  projected: number;
  message: string;
}

const promptTokens = (u: Usage) => u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens;

export class RunSpend {
  #usage: Usage = ZERO_USAGE;
  #cost = 0;
  #calls = 0;
  /** Models without a price: the run's costUsd is unknown once one of them was called. */
  readonly unpriced = new Set<string>();
  /** The last call's prompt, as a floor for the next one (a conversation only grows). */
  #lastPrompt: { tokens: number; costUsd: number } = { tokens: 0, costUsd: 0 };

  constructor(readonly budget: Budget = {}) {}

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
    return cost;
  }

  /**
   * Why a call to `model` must not start, or undefined. A call is refused when the spend so far
   * plus the least it will cost (its prompt is at least the last call's) would pass a ceiling.
   */
  refusal(model: string): BudgetRefusal | undefined {
    const { maxCostUsd, maxInputTokens, maxOutputTokens } = this.budget;
    if (maxCostUsd !== undefined) {
      if (!priceOf(model)) {
        return {
          field: "maxCostUsd",
          limit: maxCostUsd,
          projected: Number.NaN,
          message: `budget.maxCostUsd cannot be enforced for model "${model}": it has no known price`,
        };
      }
      const projected = roundUsd(this.#cost + this.#lastPrompt.costUsd);
      if (this.#cost >= maxCostUsd || projected > maxCostUsd) {
        return {
          field: "maxCostUsd",
          limit: maxCostUsd,
          projected,
          message: `the run's budget of $${maxCostUsd} would be passed (spent $${roundUsd(this.#cost)}, the next call costs at least $${roundUsd(this.#lastPrompt.costUsd)})`,
        };
      }
    }
    if (maxInputTokens !== undefined) {
      const spent = promptTokens(this.#usage);
      const projected = spent + this.#lastPrompt.tokens;
      if (spent >= maxInputTokens || projected > maxInputTokens) {
        return {
          field: "maxInputTokens",
          limit: maxInputTokens,
          projected,
          message: `the run's budget of ${maxInputTokens} input tokens would be passed (spent ${spent}, the next prompt is at least ${this.#lastPrompt.tokens})`,
        };
      }
    }
    if (maxOutputTokens !== undefined && this.#usage.outputTokens >= maxOutputTokens) {
      return {
        field: "maxOutputTokens",
        limit: maxOutputTokens,
        projected: this.#usage.outputTokens,
        message: `the run's budget of ${maxOutputTokens} output tokens is spent (${this.#usage.outputTokens})`,
      };
    }
    return undefined;
  }
}
