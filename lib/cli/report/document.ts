// The report's JSON document (`archy report --output json`): a stable interface, documented in the
// README. Fields are only ever added. CPU is in vCPU (cores), memory in bytes, shares are fractions
// from 0 to 1 (null when there is nothing to divide by), and every total is requests × replicas.

export const SCHEMA_VERSION = 1;

export interface ReportDocument {
  schemaVersion: typeof SCHEMA_VERSION;
  generatedAt: string;
  input: ReportInput;
  summary: Summary;
  namespaces: NamespaceTotals[];
  /** Images lacking arm64, the most requested vCPU held back first. */
  blockingImages: BlockingImage[];
  workloads: WorkloadReport[];
  images: ImageReport[];
  /** Plain-words notes (unreadable pull secrets, stale cache answers, skipped files). */
  warnings: string[];
}

export type ReportInput =
  | { kind: 'cluster'; context?: string; server: string; namespaces: string[] | 'all' }
  | { kind: 'manifests'; paths: string[] };

export interface WorkloadReport {
  kind: string;
  namespace: string;
  name: string;
  /** File path, `stdin` or `cluster`. */
  source: string;
  replicas: number;
  /** Requested vCPU × replicas. */
  cpu: number;
  /** Requested memory in bytes × replicas. */
  memory: number;
  cpuPerReplica: number;
  memoryPerReplica: number;
  images: string[];
  /** Linux architectures every resolved image supports. */
  architectures: string[];
  /** true: every image has arm64; false: some resolved image lacks it; null: otherwise unknown (an image could not be resolved). */
  arm64: boolean | null;
  blockingImages: string[];
  unresolvedImages: string[];
}

export interface ImageReport {
  image: string;
  canonical?: string;
  digest?: string;
  platforms: string[];
  architectures: string[];
  arm64: boolean | null;
  /** `cache`, `registry` or `stale` (a stale cache entry served because the registry failed). */
  source?: string;
  error?: string;
  /** Workloads that use it. */
  workloads: number;
}

export interface BlockingImage {
  image: string;
  architectures: string[];
  workloads: number;
  /** Requested vCPU of the workloads it keeps off arm64. */
  cpu: number;
  /** vCPU that would become ready if this image alone gained arm64 (workloads it blocks alone). */
  unlocksCpu: number;
}

export interface NamespaceTotals {
  namespace: string;
  workloads: number;
  arm64Ready: number;
  blocked: number;
  unknown: number;
  cpu: number;
  readyCpu: number;
  blockedCpu: number;
  unknownCpu: number;
}

export interface Summary {
  workloads: number;
  arm64Ready: number;
  blocked: number;
  unknown: number;
  /** arm64Ready / workloads. */
  readyShare: number | null;
  cpu: number;
  readyCpu: number;
  blockedCpu: number;
  unknownCpu: number;
  /** readyCpu / cpu. */
  readyCpuShare: number | null;
  memory: number;
  readyMemory: number;
  images: number;
  resolvedImages: number;
  unresolvedImages: number;
  imagesWithoutArm64: number;
  imagesFromCache: number;
  imagesFromRegistry: number;
  estimate: SavingEstimate;
}

export interface SavingEstimate {
  currency: 'USD';
  /** On-demand price of one x86 vCPU-hour assumed (`--vcpu-hour-price`). */
  vcpuHourPrice: number;
  /** Graviton price ÷ x86 price for the same vCPU (`--price-ratio`). */
  priceRatio: number;
  hoursPerMonth: number;
  /** The vCPU that could move: requested vCPU of arm64-ready workloads. */
  readyCpu: number;
  monthlyCostOnX86: number;
  monthlyCostOnGraviton: number;
  monthlySaving: number;
}
