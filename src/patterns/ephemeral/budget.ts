/**
 * An agent's cost budget: the most output tokens it can afford after its prompt, and the check
 * after the call (token counts from the provider are the truth; the estimate only caps the call).
 */
export interface Price {
  provider: string;
  /** USD per million tokens. */
  input: number;
  output: number;
}

export class BudgetExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetExceeded';
  }
}

const usd = (x: number) => `$${x.toFixed(6)}`;

/** max_tokens for the call: `cap`, lowered to what the budget leaves after the estimated prompt. */
export function affordableTokens(budgetUsd: number | undefined, price: Price | null, promptTokens: number, cap: number): number {
  if (budgetUsd === undefined || !price) return cap;
  const inputCost = (promptTokens * price.input) / 1e6;
  const left = budgetUsd - inputCost;
  const tokens = price.output > 0 ? Math.floor((left * 1e6) / price.output) : cap;
  if (left <= 0 || tokens < 1) {
    throw new BudgetExceeded(
      `budget exceeded before the call: the prompt (~${promptTokens} tokens) costs ~${usd(inputCost)} at ${price.provider}, ` +
        `leaving no room for an answer within the budget of ${usd(budgetUsd)}`,
    );
  }
  return Math.min(cap, tokens);
}

/** After the call: a result that cost more than the budget is not used. */
export function checkSpend(budgetUsd: number | undefined, spentUsd: number, provider: string): void {
  if (budgetUsd !== undefined && spentUsd > budgetUsd) {
    throw new BudgetExceeded(
      `budget exceeded: the call to ${provider} cost ${usd(spentUsd)}, over the budget of ${usd(budgetUsd)}; its result was discarded`,
    );
  }
}
