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
}

export const OVERFLOW_DIMENSION_VALUE = 'other';

interface Group {
  dimensions: Dimensions;
  counts: Map<string, number>;
  timings: Map<string, number[]>;
}

export function createEmfMetrics(options: EmfOptions = {}): EmfMetrics {
  const namespace = options.namespace ?? process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Archy';
  const serviceName = options.serviceName ?? process.env.POWERTOOLS_SERVICE_NAME ?? 'archy';
  const limitDimensions = dimensionLimiter(options.maxValuesPerDimension ?? 50);
  let groups = new Map<string, Group>();

  const groupFor = (dimensions: Dimensions | undefined): Group => {
    const bounded = limitDimensions(dimensions ?? {});
    const key = JSON.stringify(Object.entries(bounded).sort(([a], [b]) => a.localeCompare(b)));
    let group = groups.get(key);
    if (!group) {
      group = { dimensions: bounded, counts: new Map(), timings: new Map() };
      groups.set(key, group);
    }
    return group;
  };

  return {
    count(name, value = 1, dimensions) {
      const group = groupFor(dimensions);
      group.counts.set(name, (group.counts.get(name) ?? 0) + value);
    },
    timing(name, milliseconds, dimensions) {
      const group = groupFor(dimensions);
      const values = group.timings.get(name) ?? [];
      values.push(milliseconds);
      group.timings.set(name, values);
    },
    flush() {
      const pending = groups;
      groups = new Map();
      if (pending.size === 0) return;
      const timestamp = Date.now();
      let text = '';
      for (const group of pending.values()) text += `${JSON.stringify(emfLine(namespace, serviceName, group, timestamp))}\n`;
      process.stdout.write(text);
    },
  };
}

/** One EMF document: the directive, then `service`, the dimension values and the metric values. */
function emfLine(namespace: string, serviceName: string, group: Group, timestamp: number): Record<string, unknown> {
  const metrics: Array<{ Name: string; Unit: string }> = [];
  const values: Record<string, number | number[]> = {};
  for (const [name, value] of group.counts) {
    metrics.push({ Name: name, Unit: 'Count' });
    values[name] = value;
  }
  for (const [name, timings] of group.timings) {
    metrics.push({ Name: name, Unit: 'Milliseconds' });
    values[name] = timings.length === 1 ? (timings[0] as number) : timings;
  }
  const dimensions = { service: serviceName, ...group.dimensions };
  return {
    _aws: { Timestamp: timestamp, CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [Object.keys(dimensions)], Metrics: metrics }] },
    ...dimensions,
    ...values,
  };
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
