// Kubernetes resource quantities (`500m`, `1.5Gi`, `2e3`, `128974848`), parsed exactly as the API
// server's resource.Quantity reads them and rounded up the way it rounds: CPU to whole millicores,
// memory to whole bytes. Exact arithmetic (BigInt fractions), so `0.1` + `0.2` CPUs is 300m.

export class QuantityError extends Error {
  constructor(value: string, why: string) {
    super(`invalid quantity ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}: ${why}`);
    this.name = 'QuantityError';
  }
}

interface Fraction {
  numerator: bigint;
  denominator: bigint;
}

const BINARY_SI: Record<string, bigint> = { Ki: 2n ** 10n, Mi: 2n ** 20n, Gi: 2n ** 30n, Ti: 2n ** 40n, Pi: 2n ** 50n, Ei: 2n ** 60n };
const DECIMAL_SI: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei)|[eE]([+-]?\d{1,3})|(n|u|m|k|M|G|T|P|E)?)$/;
/** Far beyond any real request, small enough that the BigInt powers stay cheap. */
const MAX_EXPONENT = 40;
const MAX_LENGTH = 64;

/** Parses a quantity as written in a manifest (YAML may hand over a number: `cpu: 0.5`). */
export function parseQuantity(input: string | number): Fraction {
  const text = typeof input === 'number' ? numberText(input) : input.trim();
  if (text.length === 0 || text.length > MAX_LENGTH) throw new QuantityError(text, text.length === 0 ? 'empty' : 'too long');
  const match = QUANTITY.exec(text);
  if (!match) throw new QuantityError(text, 'expected a number with an optional suffix (m, k, M, G, Ki, Mi, Gi, …, or e<exponent>)');
  const [, sign = '', number = '', binary, exponent, decimal] = match;
  const [whole = '', fraction = ''] = number.split('.');
  let numerator = BigInt(`${whole || '0'}${fraction}`);
  let denominator = 10n ** BigInt(fraction.length);
  if (sign === '-' && numerator !== 0n) throw new QuantityError(text, 'a request cannot be negative');
  if (binary !== undefined) {
    numerator *= BINARY_SI[binary] ?? 1n;
  } else {
    const power = exponent !== undefined ? Number(exponent) : (DECIMAL_SI[decimal ?? ''] ?? 0);
    if (Math.abs(power) > MAX_EXPONENT) throw new QuantityError(text, `exponent beyond ±${MAX_EXPONENT}`);
    if (power >= 0) numerator *= 10n ** BigInt(power);
    else denominator *= 10n ** BigInt(-power);
  }
  return { numerator, denominator };
}

/** Whole millicores, rounded up (Kubernetes' MilliValue). */
export function cpuMillicores(input: string | number): number {
  return ceilTimes(parseQuantity(input), 1000n);
}

/** Whole bytes, rounded up (Kubernetes' Value). */
export function memoryBytes(input: string | number): number {
  return ceilTimes(parseQuantity(input), 1n);
}

function ceilTimes({ numerator, denominator }: Fraction, scale: bigint): number {
  const scaled = numerator * scale;
  const quotient = scaled / denominator + (scaled % denominator === 0n ? 0n : 1n);
  return Number(quotient);
}

/** A YAML number back in quantity form: `0.5`, `1e+21` → `1e21` (the exponent's `+` is fine). */
function numberText(value: number): string {
  if (!Number.isFinite(value)) throw new QuantityError(String(value), 'not a finite number');
  return String(value);
}
