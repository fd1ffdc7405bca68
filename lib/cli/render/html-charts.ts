// Inline SVG charts for the HTML report: no script, no external resource.
import type { NamespaceTotals } from '../report/document.ts';
import { formatCpu, formatShare } from './format.ts';
import { html, type Raw } from './html-escape.ts';

export const COLORS = { ready: '#1f9d74', blocked: '#d64550', unknown: '#a3acb9', track: '#e6e9ef' };

/** A ring filled to `share` (0-1). */
export function donut(share: number | null, color: string, label: string): Raw {
  const radius = 40;
  const circumference = 2 * Math.PI * radius;
  const filled = (share ?? 0) * circumference;
  return html`<svg class="donut" viewBox="0 0 100 100" role="img" aria-label="${label}: ${formatShare(share)}">
    <circle cx="50" cy="50" r="${radius}" fill="none" stroke="${COLORS.track}" stroke-width="14"/>
    <circle cx="50" cy="50" r="${radius}" fill="none" stroke="${color}" stroke-width="14" stroke-linecap="${share !== null && share > 0 && share < 1 ? 'round' : 'butt'}"
      stroke-dasharray="${round(filled)} ${round(circumference)}" transform="rotate(-90 50 50)"/>
  </svg>`;
}

const MAX_NAMESPACES = 16;
const ROW = 30;
const LABEL_WIDTH = 180;
const VALUE_WIDTH = 210;
const WIDTH = 900;

/**
 * One stacked bar per namespace: requested vCPU ready for arm64, blocked and unknown. When no
 * workload requests CPU, the bars count workloads instead. Beyond 16 namespaces the rest are one bar.
 */
export function namespaceChart(namespaces: readonly NamespaceTotals[]): { svg: Raw; measure: 'vCPU' | 'workloads' } {
  const measure = namespaces.some((entry) => entry.cpu > 0) ? 'vCPU' : 'workloads';
  const rows = foldTail(namespaces);
  const values = rows.map((row) => (measure === 'vCPU'
    ? { ready: row.readyCpu, blocked: row.blockedCpu, unknown: row.unknownCpu, total: row.cpu }
    : { ready: row.arm64Ready, blocked: row.blocked, unknown: row.unknown, total: row.workloads }));
  const largest = Math.max(1e-9, ...values.map((value) => value.total));
  const barWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const height = rows.length * ROW + 10;
  const bars = rows.map((row, index) => {
    const value = values[index] ?? { ready: 0, blocked: 0, unknown: 0, total: 0 };
    const y = 5 + index * ROW;
    let x = LABEL_WIDTH;
    const segments = (['ready', 'blocked', 'unknown'] as const).map((part) => {
      const width = (value[part] / largest) * barWidth;
      const segment = html`<rect x="${round(x)}" y="${y + 5}" width="${round(width)}" height="${ROW - 12}" fill="${COLORS[part]}"><title>${row.namespace}: ${part} ${measure === 'vCPU' ? `${formatCpu(value[part])} vCPU` : String(value[part])}</title></rect>`;
      x += width;
      return segment;
    });
    const readyShare = value.total === 0 ? null : value.ready / value.total;
    const shown = row.namespace.length > 26 ? `${row.namespace.slice(0, 25)}…` : row.namespace;
    const total = measure === 'vCPU' ? `${formatCpu(value.total)} vCPU` : `${value.total} workloads`;
    return html`<g class="ns-row">
      <text x="${LABEL_WIDTH - 10}" y="${y + ROW / 2 + 4}" text-anchor="end" class="ns-label"><title>${row.namespace}</title>${shown}</text>
      <rect x="${LABEL_WIDTH}" y="${y + 5}" width="${barWidth}" height="${ROW - 12}" fill="${COLORS.track}"/>
      ${segments}
      <text x="${LABEL_WIDTH + barWidth + 10}" y="${y + ROW / 2 + 4}" class="ns-value">${total} · ${formatShare(readyShare)} ready</text>
    </g>`;
  });
  const svg = html`<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="Requested ${measure} per namespace: ready for arm64, blocked, unknown">${bars}</svg>`;
  return { svg, measure };
}

function foldTail(namespaces: readonly NamespaceTotals[]): NamespaceTotals[] {
  if (namespaces.length <= MAX_NAMESPACES) return [...namespaces];
  const shown = namespaces.slice(0, MAX_NAMESPACES - 1);
  const rest = namespaces.slice(MAX_NAMESPACES - 1);
  const sum = (pick: (entry: NamespaceTotals) => number): number => rest.reduce((total, entry) => total + pick(entry), 0);
  return [
    ...shown,
    {
      namespace: `${rest.length} more namespaces`,
      workloads: sum((entry) => entry.workloads),
      arm64Ready: sum((entry) => entry.arm64Ready),
      blocked: sum((entry) => entry.blocked),
      unknown: sum((entry) => entry.unknown),
      cpu: sum((entry) => entry.cpu),
      readyCpu: sum((entry) => entry.readyCpu),
      blockedCpu: sum((entry) => entry.blockedCpu),
      unknownCpu: sum((entry) => entry.unknownCpu),
    },
  ];
}

function round(value: number): string {
  return String(Math.round(value * 100) / 100);
}
