// One budget over several runs that make up one whole: a branching run's branches (each with its
// own sandbox and gateway) and its judge. Every call of every run counts here, every run's next
// call is checked against the sum, and the first time the sum is passed (or a call is refused for
// it) the owner hears once, to stop every run at once rather than each at its next model call.
import { addUsage, type Budget, costOfCall, type Usage, ZERO_USAGE } from "@sandcaster/protocol";
import { type BudgetRefusal, budgetRefusal, promptTokens } from "./run-spend.js";

export class SharedSpend {
  #usage: Usage = ZERO_USAGE;
  #cost = 0;
  #told = false;
  /** The least the calls admitted but not yet counted will cost: branches call at once. */
  #reserved = { tokens: 0, costUsd: 0 };

  constructor(
    readonly budget: Budget,
    /** Once: the sum passed the budget (or a call was refused for it). */
    private readonly onExceeded: (refusal: BudgetRefusal) => void,
  ) {}

  get usage(): Usage {
    return this.#usage;
  }

  get costUsd(): number {
    return this.#cost;
  }

  /** Counts one finished call of any of the runs (cost undefined: a model without a price). */
  record(usage: Usage, cost: number | undefined): void {
    this.#usage = addUsage(this.#usage, usage);
    this.#cost += cost ?? 0;
    const passed = this.#passed();
    if (passed) this.#exceeded(passed);
  }

  /** Counts a call made by the host itself (the judge), priced by its model. */
  recordCall(model: string, usage: Usage): void {
    this.record(usage, costOfCall(model, usage));
  }

  /**
   * Why the next call (its prompt at least `lastPrompt`) would pass the shared budget, counting
   * the floors of the calls still in flight, or undefined.
   */
  refusal(
    model: string,
    lastPrompt: { tokens: number; costUsd: number } = { tokens: 0, costUsd: 0 },
  ): BudgetRefusal | undefined {
    const floor = {
      tokens: lastPrompt.tokens + this.#reserved.tokens,
      costUsd: lastPrompt.costUsd + this.#reserved.costUsd,
    };
    const spent = { cost: this.#cost, usage: this.#usage, lastPrompt: floor };
    const refused = budgetRefusal(this.budget, spent, model, "the branching run's (all branches')");
    if (refused) this.#exceeded(refused);
    return refused;
  }

  /**
   * Holds a started call's floor against the budget until `release` (when the call is counted or
   * failed), so calls starting at once in several branches cannot each pass the same check.
   */
  reserve(floor: { tokens: number; costUsd: number }): () => void {
    this.#reserved = {
      tokens: this.#reserved.tokens + floor.tokens,
      costUsd: this.#reserved.costUsd + floor.costUsd,
    };
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#reserved = {
        tokens: this.#reserved.tokens - floor.tokens,
        costUsd: this.#reserved.costUsd - floor.costUsd,
      };
    };
  }

  /** A ceiling already passed by what was spent (not a projection). */
  #passed(): BudgetRefusal | undefined {
    const { maxCostUsd, maxInputTokens, maxOutputTokens } = this.budget;
    const whose = "the branching run's (all branches')";
    if (maxCostUsd !== undefined && this.#cost > maxCostUsd) {
      return {
        field: "maxCostUsd",
        limit: maxCostUsd,
        projected: this.#cost,
        message: `${whose} budget of $${maxCostUsd} is spent ($${this.#cost.toFixed(6)})`,
      };
    }
    const input = promptTokens(this.#usage);
    if (maxInputTokens !== undefined && input > maxInputTokens) {
      return {
        field: "maxInputTokens",
        limit: maxInputTokens,
        projected: input,
        message: `${whose} budget of ${maxInputTokens} input tokens is spent (${input})`,
      };
    }
    const output = this.#usage.outputTokens;
    if (maxOutputTokens !== undefined && output > maxOutputTokens) {
      return {
        field: "maxOutputTokens",
        limit: maxOutputTokens,
        projected: output,
        message: `${whose} budget of ${maxOutputTokens} output tokens is spent (${output})`,
      };
    }
    return undefined;
  }

  #exceeded(refusal: BudgetRefusal): void {
    if (this.#told) return;
    this.#told = true;
    this.onExceeded(refusal);
  }
}
