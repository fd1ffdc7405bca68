// Command-line options of `archy report` and `archy check`, checked before anything runs: a
// mistake is a usage error (exit status 2) that says what is accepted.
import { parseArgs } from 'node:util';
import { ARCHITECTURE_ALIASES, isPlausibleArchitecture } from '../validation/kubernetes.ts';
import { DEFAULT_PRICE_RATIO, DEFAULT_VCPU_HOUR_PRICE, type Pricing } from './report/estimate.ts';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Where the workloads come from: manifests when `-f` is given, else the cluster. */
export interface InputOptions {
  files: string[];
  namespaces: string[];
  context?: string;
  /** Budget of one image's lookup. */
  timeoutMs: number;
}

export type ReportFormat = 'table' | 'json' | 'html';

export interface ReportOptions extends InputOptions {
  help: boolean;
  output: ReportFormat;
  out?: string;
  pricing: Pricing;
}

export interface CheckOptions extends InputOptions {
  help: boolean;
  output: 'text' | 'json';
  /** Architectures the workloads must be able to run on (at least one of them). */
  arch?: string[];
  /** Unresolved images fail the check too. */
  strict: boolean;
}

export const DEFAULT_TIMEOUT_SECONDS = 20;

const INPUT_OPTIONS = {
  filename: { type: 'string', short: 'f', multiple: true },
  namespace: { type: 'string', short: 'n', multiple: true },
  context: { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseReportArgs(argv: string[]): ReportOptions {
  const { values, positionals } = guarded(() => parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      ...INPUT_OPTIONS,
      output: { type: 'string', short: 'o' },
      out: { type: 'string' },
      'price-ratio': { type: 'string' },
      'vcpu-hour-price': { type: 'string' },
    },
  }));
  noPositionals(positionals);
  return {
    ...inputOptions(values),
    help: values.help === true,
    output: oneOf('--output', values.output, ['table', 'json', 'html'], 'table'),
    out: values.out,
    pricing: {
      priceRatio: positiveNumber('--price-ratio', values['price-ratio'], DEFAULT_PRICE_RATIO, 10),
      vcpuHourPrice: positiveNumber('--vcpu-hour-price', values['vcpu-hour-price'], DEFAULT_VCPU_HOUR_PRICE, 1000),
    },
  };
}

export function parseCheckArgs(argv: string[]): CheckOptions {
  const { values, positionals } = guarded(() => parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      ...INPUT_OPTIONS,
      output: { type: 'string', short: 'o' },
      arch: { type: 'string' },
      strict: { type: 'boolean' },
    },
  }));
  noPositionals(positionals);
  return {
    ...inputOptions(values),
    help: values.help === true,
    output: oneOf('--output', values.output, ['text', 'json'], 'text'),
    arch: values.arch === undefined ? undefined : architectures(values.arch),
    strict: values.strict === true,
  };
}

/** parseArgs' own errors ("Unknown option '--x'") as usage errors. */
function guarded<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function noPositionals(positionals: string[]): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])} (manifests are read with -f PATH)`);
}

function inputOptions(values: { filename?: string[]; namespace?: string[]; context?: string; timeout?: string }): InputOptions {
  const files = values.filename ?? [];
  if (files.filter((file) => file === '-').length > 1) throw new UsageError('-f - (stdin) can be given once');
  if (files.length > 0 && values.context !== undefined) throw new UsageError('--context reads a cluster; it cannot be combined with -f');
  return {
    files,
    namespaces: values.namespace ?? [],
    context: values.context,
    timeoutMs: positiveNumber('--timeout', values.timeout, DEFAULT_TIMEOUT_SECONDS, 600) * 1000,
  };
}

function oneOf<T extends string>(flag: string, value: string | undefined, accepted: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(accepted as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${accepted.join(', ')} (got ${JSON.stringify(value)})`);
  return value as T;
}

function positiveNumber(flag: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0 || parsed > max) {
    throw new UsageError(`${flag} must be a number above 0 and at most ${max} (got ${JSON.stringify(value)})`);
  }
  return parsed;
}

function architectures(list: string): string[] {
  const names = [...new Set(list.split(',').map((name) => name.trim()).filter((name) => name !== ''))];
  if (names.length === 0) throw new UsageError('--arch needs at least one architecture, e.g. --arch amd64,arm64');
  for (const name of names) {
    const alias = Object.hasOwn(ARCHITECTURE_ALIASES, name.toLowerCase()) ? ARCHITECTURE_ALIASES[name.toLowerCase()] : undefined;
    if (alias !== undefined && alias !== name) throw new UsageError(`--arch: ${JSON.stringify(name)} is not a Kubernetes architecture name; use "${alias}"`);
    if (!isPlausibleArchitecture(name)) throw new UsageError(`--arch: ${JSON.stringify(name)} is not an architecture name (e.g. amd64, arm64)`);
  }
  return names;
}
