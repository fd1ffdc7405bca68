// Workloads + image answers → the report document: per-workload verdicts, the summary, per-namespace
// totals and the blocking images ranked by the requested vCPU they hold back. Pure: the same input
// gives the same document (the clock is a parameter). Sums are taken in millicores, so vCPU totals
// are exact.
import type { ImageAnswer } from '../resolution/resolve-images.ts';
import type { Workload } from '../workloads/workload.ts';
import { ARM64, assess } from './assess.ts';
import {
  SCHEMA_VERSION,
  type BlockingImage,
  type ImageReport,
  type NamespaceTotals,
  type ReportDocument,
  type ReportInput,
  type Summary,
  type WorkloadReport,
} from './document.ts';
import { estimateSaving, type Pricing } from './estimate.ts';

export interface BuildReportOptions {
  input: ReportInput;
  pricing: Pricing;
  warnings?: string[];
  now?: Date;
}

interface Assessed {
  report: WorkloadReport;
  cpuMillis: number;
}

export function buildReport(workloads: readonly Workload[], answers: ReadonlyMap<string, ImageAnswer>, options: BuildReportOptions): ReportDocument {
  const assessed = [...workloads].sort(byPlace).map((workload) => assessWorkload(workload, answers));
  const reports = assessed.map((entry) => entry.report);
  const images = imageReports(reports, answers);
  return {
    schemaVersion: SCHEMA_VERSION,
    generatedAt: (options.now ?? new Date()).toISOString(),
    input: options.input,
    summary: summarize(assessed, images, options.pricing),
    namespaces: namespaceTotals(assessed),
    blockingImages: rankBlockingImages(assessed, answers),
    workloads: reports,
    images,
    warnings: [...new Set([...(options.warnings ?? []), ...imageWarnings(images, answers)])],
  };
}

function assessWorkload(workload: Workload, answers: ReadonlyMap<string, ImageAnswer>): Assessed {
  const verdict = assess(workload.images, answers);
  const cpuMillis = workload.perReplica.cpuMillis * workload.replicas;
  return {
    cpuMillis,
    report: {
      kind: workload.kind,
      namespace: workload.namespace,
      name: workload.name,
      source: workload.source,
      replicas: workload.replicas,
      cpu: vcpu(cpuMillis),
      memory: workload.perReplica.memoryBytes * workload.replicas,
      cpuPerReplica: vcpu(workload.perReplica.cpuMillis),
      memoryPerReplica: workload.perReplica.memoryBytes,
      images: [...workload.images],
      architectures: verdict.architectures,
      arm64: verdict.arm64,
      blockingImages: verdict.blocking,
      unresolvedImages: verdict.unresolved.map((entry) => entry.image),
    },
  };
}

function summarize(assessed: Assessed[], images: ImageReport[], pricing: Pricing): Summary {
  const totals = tally(assessed);
  const readyMemory = assessed.filter(({ report }) => report.arm64 === true).reduce((sum, { report }) => sum + report.memory, 0);
  const resolved = images.filter((image) => image.error === undefined);
  return {
    workloads: totals.workloads,
    arm64Ready: totals.arm64Ready,
    blocked: totals.blocked,
    unknown: totals.unknown,
    readyShare: share(totals.arm64Ready, totals.workloads),
    cpu: totals.cpu,
    readyCpu: totals.readyCpu,
    blockedCpu: totals.blockedCpu,
    unknownCpu: totals.unknownCpu,
    readyCpuShare: share(totals.readyMillis, totals.cpuMillis),
    memory: assessed.reduce((sum, { report }) => sum + report.memory, 0),
    readyMemory,
    images: images.length,
    resolvedImages: resolved.length,
    unresolvedImages: images.length - resolved.length,
    imagesWithoutArm64: resolved.filter((image) => image.arm64 === false).length,
    imagesFromCache: resolved.filter((image) => image.source === 'cache').length,
    imagesFromRegistry: resolved.filter((image) => image.source === 'registry').length,
    estimate: estimateSaving(totals.readyCpu, pricing),
  };
}

type Tally = Omit<NamespaceTotals, 'namespace'> & { cpuMillis: number; readyMillis: number };

function tally(assessed: readonly Assessed[]): Tally {
  const millis = { all: 0, ready: 0, blocked: 0, unknown: 0 };
  const counts = { workloads: 0, arm64Ready: 0, blocked: 0, unknown: 0 };
  for (const { report, cpuMillis } of assessed) {
    counts.workloads += 1;
    millis.all += cpuMillis;
    if (report.arm64 === true) {
      counts.arm64Ready += 1;
      millis.ready += cpuMillis;
    } else if (report.arm64 === false) {
      counts.blocked += 1;
      millis.blocked += cpuMillis;
    } else {
      counts.unknown += 1;
      millis.unknown += cpuMillis;
    }
  }
  return {
    ...counts,
    cpu: vcpu(millis.all),
    readyCpu: vcpu(millis.ready),
    blockedCpu: vcpu(millis.blocked),
    unknownCpu: vcpu(millis.unknown),
    cpuMillis: millis.all,
    readyMillis: millis.ready,
  };
}

/** The most requested vCPU first, then by name. */
function namespaceTotals(assessed: readonly Assessed[]): NamespaceTotals[] {
  const groups = new Map<string, Assessed[]>();
  for (const entry of assessed) groups.set(entry.report.namespace, [...(groups.get(entry.report.namespace) ?? []), entry]);
  return [...groups]
    .map(([namespace, members]) => {
      const { cpuMillis: _all, readyMillis: _ready, ...totals } = tally(members);
      return { namespace, ...totals };
    })
    .sort((a, b) => b.cpu - a.cpu || compare(a.namespace, b.namespace));
}

function rankBlockingImages(assessed: readonly Assessed[], answers: ReadonlyMap<string, ImageAnswer>): BlockingImage[] {
  const ranking = new Map<string, { workloads: number; millis: number; unlocksMillis: number }>();
  for (const { report, cpuMillis } of assessed) {
    if (report.arm64 !== false) continue;
    const alone = report.blockingImages.length === 1 && report.unresolvedImages.length === 0;
    for (const image of report.blockingImages) {
      const entry = ranking.get(image) ?? { workloads: 0, millis: 0, unlocksMillis: 0 };
      entry.workloads += 1;
      entry.millis += cpuMillis;
      if (alone) entry.unlocksMillis += cpuMillis;
      ranking.set(image, entry);
    }
  }
  return [...ranking]
    .map(([image, entry]) => {
      const answer = answers.get(image);
      return { image, architectures: answer?.ok ? answer.architectures : [], workloads: entry.workloads, cpu: vcpu(entry.millis), unlocksCpu: vcpu(entry.unlocksMillis) };
    })
    .sort((a, b) => b.cpu - a.cpu || b.workloads - a.workloads || compare(a.image, b.image));
}

function imageReports(workloads: readonly WorkloadReport[], answers: ReadonlyMap<string, ImageAnswer>): ImageReport[] {
  const uses = new Map<string, number>();
  for (const workload of workloads) for (const image of workload.images) uses.set(image, (uses.get(image) ?? 0) + 1);
  return [...uses.keys()].sort(compare).map((image): ImageReport => {
    const answer = answers.get(image);
    const workloadCount = uses.get(image) ?? 0;
    if (answer === undefined || !answer.ok) {
      const failed: ImageReport = { image, platforms: [], architectures: [], arm64: null, error: answer?.error ?? 'not resolved', workloads: workloadCount };
      if (answer?.canonical !== undefined) failed.canonical = answer.canonical;
      return failed;
    }
    return {
      image,
      canonical: answer.canonical,
      digest: answer.digest,
      platforms: answer.platforms,
      architectures: answer.architectures,
      arm64: answer.architectures.includes(ARM64),
      source: answer.source,
      workloads: workloadCount,
    };
  });
}

function imageWarnings(images: readonly ImageReport[], answers: ReadonlyMap<string, ImageAnswer>): string[] {
  return images.flatMap((image) => answers.get(image.image)?.warnings ?? []);
}

function byPlace(a: Workload, b: Workload): number {
  return compare(a.namespace, b.namespace) || compare(a.kind, b.kind) || compare(a.name, b.name);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function vcpu(millis: number): number {
  return millis / 1000;
}

function share(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
}
