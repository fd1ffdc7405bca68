// What a million admissions cost on Lambda arm64 at a memory size: the request fee plus the billed
// duration (rounded up to the millisecond) in GB-seconds. Prices as stated, us-east-1, first tier.

export interface LambdaPrices {
  /** USD per million requests. */
  perMillionRequests: number;
  /** USD per GB-second, arm64. */
  perGbSecond: number;
  source: string;
}

export const LAMBDA_ARM64_PRICES: LambdaPrices = {
  perMillionRequests: 0.2,
  perGbSecond: 0.0000133334,
  source: 'AWS Lambda pricing, us-east-1, arm64, first 7.5 billion GB-s a month',
};

/** USD per million invocations of `durationMs` each at `memoryMb`. */
export function costPerMillion(memoryMb: number, durationMs: number, prices: LambdaPrices = LAMBDA_ARM64_PRICES): number {
  const billedSeconds = Math.max(1, Math.ceil(durationMs)) / 1000;
  return prices.perMillionRequests + 1e6 * billedSeconds * (memoryMb / 1024) * prices.perGbSecond;
}
