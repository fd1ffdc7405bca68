// CloudWatch metrics as EMF log lines (the embedded metric format, written as Powertools writes
// it, without the library: it cost a cold start its load and every admission a few lines' worth of
// work, docs/BENCHMARKS.md). Counts and timings are buffered per admission and written by flush():
// one EMF line per distinct dimension set (dimension values are the line's top-level members), with
// `service` on all of them, all lines of a flush in one write to stdout.
import type { Dimensions, Metrics } from './metrics.ts';

export interface EmfMetrics extends Metrics {
  /** Writes everything buffered since the last flush; call once per admission. */
  flush(): void;
}

export interface EmfOptions {
  namespace?: string;
  serviceName?: string;
  /**
   * Distinct values kept per dimension name for the life of the instance; later values are
   * reported as `other`. Registry hosts come from user-written image names: this bounds them.
   */
  maxValuesPerDimension?: number;
  /** Where the lines go (default: stdout); the function shares its log's output (lib/log.ts). */
  write?: (text: string) => void;
}

export const OVERFLOW_DIMENSION_VALUE = 'other';

interface Group {
  key: string;
  dimensions: Dimensions;
  counts: Map<string, number>;
  timings: Map<string, number[]>;
}

/** Serialized directive + dimensions kept at most (dimension values are bounded, metric sets few). */
const MAX_PREFIXES = 1000;
const MAX_VALUES_PER_METRIC = 100;

export function createEmfMetrics(options: EmfOptions = {}): EmfMetrics {
  const namespace = options.namespace ?? process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Archy';
  const serviceName = options.serviceName ?? process.env.POWERTOOLS_SERVICE_NAME ?? 'archy';
  const limitDimensions = dimensionLimiter(options.maxValuesPerDimension ?? 50);
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  // The part of a line that depends only on its dimensions and metric names, serialized once.
  const prefixes = new Map<string, string>();
  // Dimensions as given (`tier=memory`) → the bounded dimensions and their key: the limiter and the
  // sorting run once per distinct set, not on every count. Bounded: values come from users.
  const known = new Map<string, { key: string; dimensions: Dimensions }>();
  let groups = new Map<string, Group>();

  const groupFor = (dimensions: Dimensions | undefined): Group => {
    let raw = '';
    if (dimensions !== undefined) {
      for (const name in dimensions) raw += `${raw === '' ? '' : '\u0000'}${name}=${dimensions[name]}`;
    }
    let bounded = known.get(raw);
    if (bounded === undefined) {
      const limited = raw === '' ? NO_DIMENSIONS : limitDimensions(dimensions as Dimensions);
      const key = Object.keys(limited).sort().map((name) => `${name}=${limited[name]}`).join('\u0000');
      bounded = { key, dimensions: limited };
      if (known.size >= MAX_PREFIXES) known.clear();
      known.set(raw, bounded);
    }
    let group = groups.get(bounded.key);
    if (!group) {
      group = { key: bounded.key, dimensions: bounded.dimensions, counts: new Map(), timings: new Map() };
      groups.set(bounded.key, group);
    }
    return group;
  };

  const prefixFor = (group: Group): string => {
    const signature = `${group.key}\u0001${[...group.counts.keys()].join(',')}\u0001${[...group.timings.keys()].join(',')}`;
    let prefix = prefixes.get(signature);
    if (prefix === undefined) {
      const metrics = [...[...group.counts.keys()].map((name) => ({ Name: name, Unit: 'Count' })), ...[...group.timings.keys()].map((name) => ({ Name: name, Unit: 'Milliseconds' }))];
      const dimensions = { service: serviceName, ...group.dimensions };
      const directive = JSON.stringify([{ Namespace: namespace, Dimensions: [Object.keys(dimensions)], Metrics: metrics }]);
      prefix = `"CloudWatchMetrics":${directive}},${JSON.stringify(dimensions).slice(1, -1)}`;
      if (prefixes.size >= MAX_PREFIXES) prefixes.clear();
      prefixes.set(signature, prefix);
    }
    return prefix;
  };

  /** The document Powertools writes: the directive, then `service`, the dimension values and the metric values. */
  const emfLine = (group: Group, timestamp: number): string => {
    let values = '';
    for (const [name, value] of group.counts) values += `,${JSON.stringify(name)}:${number(value)}`;
    for (const [name, timings] of group.timings) values += `,${JSON.stringify(name)}:${timings.length === 1 ? number(timings[0] as number) : `[${timings.map(number).join(',')}]`}`;
    return `{"_aws":{"Timestamp":${timestamp},${prefixFor(group)}${values}}\n`;
  };

  return {
    count(name, value = 1, dimensions) {
      const group = groupFor(dimensions);
      group.counts.set(name, (group.counts.get(name) ?? 0) + value);
    },
    timing(name, milliseconds, dimensions) {
      const group = groupFor(dimensions);
      const values = group.timings.get(name);
      if (values === undefined) group.timings.set(name, [milliseconds]);
      else values.push(milliseconds);
    },
    flush() {
      const pending = groups;
      groups = new Map();
      if (pending.size === 0) return;
      const timestamp = Date.now();
      let text = '';
      for (const group of pending.values()) for (const line of withinValueLimit(group)) text += emfLine(line, timestamp);
      write(text);
    },
  };
}

/** EMF takes at most 100 values of a metric per line: more (timings of many admissions) go on further lines. */
function withinValueLimit(group: Group): Group[] {
  let longest = 0;
  for (const values of group.timings.values()) longest = Math.max(longest, values.length);
  if (longest <= MAX_VALUES_PER_METRIC) return [group];
  const lines: Group[] = [];
  for (let start = 0; start < longest; start += MAX_VALUES_PER_METRIC) {
    const timings = new Map<string, number[]>();
    for (const [name, values] of group.timings) {
      const part = values.slice(start, start + MAX_VALUES_PER_METRIC);
      if (part.length > 0) timings.set(name, part);
    }
    lines.push({ ...group, counts: start === 0 ? group.counts : new Map(), timings });
  }
  return lines;
}

const NO_DIMENSIONS: Dimensions = Object.freeze({}) as Dimensions;

/** As JSON writes it: a number that is not finite is null. */
function number(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

/** Caps distinct values per dimension name; empty values (which EMF rejects) become `none`. */
function dimensionLimiter(maxValues: number): (dimensions: Dimensions) => Dimensions {
  const seen = new Map<string, Set<string>>();
  return (dimensions) => {
    const result: Dimensions = {};
    for (const [name, raw] of Object.entries(dimensions)) {
      const value = raw.trim() === '' ? 'none' : raw;
      let values = seen.get(name);
      if (!values) {
        values = new Set();
        seen.set(name, values);
      }
      if (!values.has(value) && values.size >= maxValues) {
        result[name] = OVERFLOW_DIMENSION_VALUE;
        continue;
      }
      values.add(value);
      result[name] = value;
    }
    return result;
  };
}
