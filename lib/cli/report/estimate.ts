// The saving estimate: what the arm64-ready vCPU would cost on Graviton instead of x86. A plain
// per-vCPU model, stated on the report: the ready workloads run on x86 today, nodes are priced per
// vCPU-hour (memory comes with the vCPU as on general-purpose instances), 730 hours a month.
import type { SavingEstimate } from './document.ts';

/**
 * m6i.large (and m5.large) on-demand, Linux, us-east-1: $0.096 an hour for 2 vCPU. Graviton
 * m6g.large is $0.077 (ratio 0.80), m7g.large $0.0816 (0.85); spot and savings plans lower both.
 */
export const DEFAULT_VCPU_HOUR_PRICE = 0.048;
/** Graviton price ÷ x86 price per vCPU (m6g.large ÷ m6i.large). */
export const DEFAULT_PRICE_RATIO = 0.8;
export const HOURS_PER_MONTH = 730;

export interface Pricing {
  vcpuHourPrice: number;
  priceRatio: number;
}

export function estimateSaving(readyCpu: number, pricing: Pricing): SavingEstimate {
  const monthlyCostOnX86 = readyCpu * pricing.vcpuHourPrice * HOURS_PER_MONTH;
  const monthlyCostOnGraviton = monthlyCostOnX86 * pricing.priceRatio;
  return {
    currency: 'USD',
    vcpuHourPrice: pricing.vcpuHourPrice,
    priceRatio: pricing.priceRatio,
    hoursPerMonth: HOURS_PER_MONTH,
    readyCpu,
    monthlyCostOnX86: cents(monthlyCostOnX86),
    monthlyCostOnGraviton: cents(monthlyCostOnGraviton),
    monthlySaving: cents(monthlyCostOnX86 - monthlyCostOnGraviton),
  };
}

function cents(value: number): number {
  return Math.round(value * 100) / 100;
}
