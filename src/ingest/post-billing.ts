/** What reading a billed source costs: posts read and the estimated spend, at a rate the user can set. */

/**
 * X's pay-per-use rate for reading a post, as published for 2026 (about half a US cent; the
 * filtered stream is billed the same way). An estimate: the user's plan may differ, so the rate
 * is a flag (`--post-cost`) and every figure built on it says it is an estimate.
 */
export const X_POST_COST_USD = 0.005;

/** Overrides the default rate without a flag, e.g. for a plan with another price. */
export const POST_COST_ENV = 'STREAMPROC_X_POST_COST_USD';

/** What the summary and `--json` say about a billed source's spend. */
export interface BillingFigures {
  /** Who bills: the source's service. */
  service: 'x';
  /** Posts the source received from the service (what it bills), sent or not. */
  postsRead: number;
  costPerPostUsd: number;
  /** postsRead × costPerPostUsd, rounded to a tenth of a cent. */
  estimatedCostUsd: number;
  /** Always true: the rate is the published one (or the user's), not what the account was charged. */
  estimate: true;
}

/** A source that costs money per post read reports how many it read. */
export interface PostBilling {
  service: 'x';
  costPerPostUsd: number;
  postsRead(): number;
}

export function billingFigures(billing: PostBilling): BillingFigures {
  const postsRead = billing.postsRead();
  return {
    service: billing.service,
    postsRead,
    costPerPostUsd: billing.costPerPostUsd,
    estimatedCostUsd: Math.round(postsRead * billing.costPerPostUsd * 1000) / 1000,
    estimate: true,
  };
}

/**
 * The per-post rate from `--post-cost` (a dollar amount like `0.005`), else the environment, else
 * X's published rate. Undefined text means "not given"; anything but a non-negative decimal is
 * a problem, returned as its message.
 */
export function postCost(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): number | string {
  const text = flag ?? env[POST_COST_ENV];
  if (text === undefined || text.trim() === '') return X_POST_COST_USD;
  const value = Number(text.trim().replace(/^\$/, ''));
  if (!/^\$?\d+(\.\d+)?$/.test(text.trim()) || !Number.isFinite(value)) {
    return `${flag !== undefined ? '--post-cost' : POST_COST_ENV} ${JSON.stringify(text)} is not a dollar amount`;
  }
  return value;
}

/** "$0.53" with enough decimals for small sums ("$0.005"). */
export function formatUsd(amount: number): string {
  return `$${amount < 1 ? amount.toFixed(3) : amount.toFixed(2)}`;
}
