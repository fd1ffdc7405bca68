// `--output table`: one row per workload, then the summary, for a terminal.
import type { ReportDocument } from '../report/document.ts';
import { formatArm64, formatCpu, formatMemory, formatMoney, formatPrice, formatShare, terminalSafe } from './format.ts';

const HEADERS = ['WORKLOAD', 'REPLICAS', 'CPU', 'MEMORY', 'ARCHITECTURES', 'ARM64', 'IMAGES LACKING ARM64'];
const RIGHT_ALIGNED = new Set([1, 2, 3]);
const TOP_BLOCKERS = 5;

export function renderTable(report: ReportDocument): string {
  const rows = report.workloads.map((workload) => [
    `${workload.kind} ${workload.namespace}/${workload.name}`,
    String(workload.replicas),
    formatCpu(workload.cpu),
    formatMemory(workload.memory),
    workload.architectures.join(',') || '-',
    formatArm64(workload.arm64),
    [...workload.blockingImages, ...workload.unresolvedImages.map((image) => `${image} (unresolved)`)].join(', '),
  ].map(terminalSafe));
  return [...columns([HEADERS, ...rows]), '', ...summaryLines(report)].join('\n') + '\n';
}

function columns(rows: string[][]): string[] {
  const widths = HEADERS.map((_, index) => Math.max(...rows.map((row) => (row[index] ?? '').length)));
  return rows.map((row) =>
    row
      .map((cell, index) => {
        if (index === row.length - 1) return cell;
        return RIGHT_ALIGNED.has(index) ? cell.padStart(widths[index] ?? 0) : cell.padEnd(widths[index] ?? 0);
      })
      .join('  ')
      .trimEnd(),
  );
}

function summaryLines(report: ReportDocument): string[] {
  const s = report.summary;
  const e = s.estimate;
  const lines = [
    `Workloads: ${s.workloads}, ${s.arm64Ready} ready for arm64 (${formatShare(s.readyShare)}), ${s.blocked} blocked, ${s.unknown} unknown`,
    `Requested vCPU: ${formatCpu(s.cpu)}, ${formatCpu(s.readyCpu)} ready for arm64 (${formatShare(s.readyCpuShare)}); memory ${formatMemory(s.memory)}`,
    `Images: ${s.images} distinct, ${s.resolvedImages} resolved (${s.imagesFromCache} from the cache, ${s.imagesFromRegistry} from registries), ${s.unresolvedImages} unresolved, ${s.imagesWithoutArm64} without arm64`,
    `Estimated saving: ${formatMoney(e.monthlySaving)} a month moving ${formatCpu(e.readyCpu)} vCPU to Graviton (x86 at ${formatPrice(e.vcpuHourPrice)} per vCPU-hour, Graviton at ${e.priceRatio} of that, ${e.hoursPerMonth} h a month)`,
  ];
  if (report.blockingImages.length > 0) {
    lines.push('', 'Images holding back the most requested vCPU:');
    for (const image of report.blockingImages.slice(0, TOP_BLOCKERS)) {
      const supports = image.architectures.length > 0 ? image.architectures.join(',') : 'no linux platform';
      lines.push(terminalSafe(`  ${image.image}  ${formatCpu(image.cpu)} vCPU in ${image.workloads} workload${image.workloads === 1 ? '' : 's'} (has ${supports})`));
    }
  }
  const unresolved = report.images.filter((image) => image.error !== undefined);
  if (unresolved.length > 0) {
    lines.push('', 'Images that could not be resolved:');
    for (const image of unresolved) lines.push(terminalSafe(`  ${image.image}: ${image.error ?? ''}`));
  }
  return lines;
}
