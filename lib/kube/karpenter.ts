// Karpenter's NodePools (karpenter.sh/v1) and the AWS provider's EC2NodeClasses
// (karpenter.k8s.aws/v1), read into what placement needs: which architectures each Ready pool can
// launch, its taints, its weight, whether it opted in to tolerations. The API server is trusted
// more than a registry, but not unboundedly: counts and sizes are capped, and anything that could
// reach a pod is checked with the API server's own rules.
import type { NodePoolView, PoolTaint, TaintEffect } from '../placement/index.ts';
import { isPlausibleArchitecture, tolerationProblems } from '../validation/kubernetes.ts';
import type { ListBounds } from './list.ts';

export const NODEPOOLS_PATH = '/apis/karpenter.sh/v1/nodepools';
export const EC2NODECLASSES_PATH = '/apis/karpenter.k8s.aws/v1/ec2nodeclasses';
export const TOLERATE_ANNOTATION = 'archy.io/tolerate';
export const KARPENTER_LIST_BOUNDS: ListBounds = { pageSize: 100, maxItems: 500, maxBytesPerPage: 8 * 1024 * 1024 };
/** What an AWS NodePool can launch when neither its requirements nor its EC2NodeClass say. */
export const AWS_ARCHITECTURES: readonly string[] = ['amd64', 'arm64'];

const ARCH_KEYS: readonly string[] = ['kubernetes.io/arch', 'beta.kubernetes.io/arch'];
const EFFECTS: readonly string[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const MAX_NAME = 253;
const MAX_TAINTS = 32;
const MAX_REQUIREMENTS = 100;
const MAX_VALUES = 100;
const MAX_AMIS = 100;
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A NodePool's `kubernetes.io/arch` requirements, ANDed. */
export interface ArchRequirement {
  /** The intersection of its `In` lists; undefined when it has none. */
  in?: string[];
  notIn: string[];
  /** `DoesNotExist` (or an operator no architecture satisfies): the pool launches nothing. */
  never: boolean;
}

/** One NodePool, before its EC2NodeClass is looked up. */
export interface NodePoolSpec {
  name: string;
  ready: boolean;
  weight: number;
  tolerate: boolean;
  taints: PoolTaint[];
  arch: ArchRequirement;
  /** The EC2NodeClass it launches with, when it names one. */
  ec2NodeClass?: string;
}

export interface ParsedPool {
  pool?: NodePoolSpec;
  /** What was left out and why, for a log line (no pool: the whole object). */
  problems: string[];
}

export function parseNodePool(object: unknown): ParsedPool {
  const metadata = record(record(object)?.metadata);
  const name = metadata?.name;
  if (typeof name !== 'string' || name.length > MAX_NAME || !NAME.test(name)) return { problems: ['a NodePool without a valid name was ignored'] };
  const problems: string[] = [];
  const spec = record(record(record(record(object)?.spec)?.template)?.spec);
  const arch = archRequirement(spec?.requirements);
  if (arch === undefined) return { problems: [`NodePool ${name}: more than ${MAX_REQUIREMENTS} requirements or ${MAX_VALUES} values; ignored`] };
  const pool: NodePoolSpec = {
    name,
    ready: isReady(object),
    weight: weightOf(record(record(object)?.spec)),
    tolerate: record(metadata?.annotations)?.[TOLERATE_ANNOTATION] === 'true',
    taints: taintsOf(name, spec?.taints, problems),
    arch,
  };
  const ref = record(spec?.nodeClassRef);
  if (ref?.group === 'karpenter.k8s.aws' && ref.kind === 'EC2NodeClass' && typeof ref.name === 'string' && ref.name.length <= MAX_NAME) {
    pool.ec2NodeClass = ref.name;
  }
  return { pool, problems };
}

/**
 * The architectures an EC2NodeClass's resolved AMIs run on (`status.amis[].requirements`), sorted;
 * undefined when it has resolved none (yet) or says nothing readable.
 */
export function ec2NodeClassArchitectures(object: unknown): { name: string; architectures?: string[] } | undefined {
  const name = record(record(object)?.metadata)?.name;
  if (typeof name !== 'string' || name.length > MAX_NAME) return undefined;
  const amis = record(record(object)?.status)?.amis;
  if (!Array.isArray(amis) || amis.length > MAX_AMIS) return { name };
  const found = new Set<string>();
  for (const ami of amis) {
    const requirement = archRequirement(record(ami)?.requirements);
    for (const arch of requirement?.never ? [] : (requirement?.in ?? [])) if (!requirement?.notIn.includes(arch)) found.add(arch);
  }
  return found.size > 0 ? { name, architectures: [...found].sort() } : { name };
}

/**
 * The Ready pools as placement sees them. A pool's architectures: its `In` list, or when it has
 * none, what its EC2NodeClass's AMIs run on (`classes`, when readable), else amd64 and arm64; less
 * its `NotIn` values. An `In` list is also narrowed to the AMIs' architectures when those are known.
 */
export function nodePoolViews(pools: readonly NodePoolSpec[], classes: ReadonlyMap<string, readonly string[]> | undefined): NodePoolView[] {
  return pools
    .filter((pool) => pool.ready)
    .map((pool) => ({
      name: pool.name,
      architectures: offeredBy(pool.arch, pool.ec2NodeClass === undefined ? undefined : classes?.get(pool.ec2NodeClass)),
      taints: pool.taints,
      weight: pool.weight,
      tolerate: pool.tolerate,
    }));
}

function offeredBy(arch: ArchRequirement, fromClass: readonly string[] | undefined): string[] {
  if (arch.never) return [];
  let offered = arch.in ?? fromClass ?? AWS_ARCHITECTURES;
  if (arch.in !== undefined && fromClass !== undefined) offered = offered.filter((name) => fromClass.includes(name));
  return [...new Set(offered)].filter((name) => !arch.notIn.includes(name)).sort();
}

/** The arch requirements of a requirement list (NodePool or AMI); undefined when over the bounds. */
function archRequirement(value: unknown): ArchRequirement | undefined {
  const requirements = Array.isArray(value) ? value : [];
  if (requirements.length > MAX_REQUIREMENTS) return undefined;
  const result: ArchRequirement = { notIn: [], never: false };
  for (const entry of requirements) {
    const requirement = record(entry);
    if (requirement === undefined || !ARCH_KEYS.includes(requirement.key as string)) continue;
    const values = Array.isArray(requirement.values) ? requirement.values : [];
    if (values.length > MAX_VALUES) return undefined;
    // A name that is not an architecture matches no node Archy could place a pod on.
    const names = values.filter((name): name is string => typeof name === 'string' && isPlausibleArchitecture(name));
    switch (requirement.operator) {
      case 'In':
        result.in = result.in === undefined ? names : result.in.filter((name) => names.includes(name));
        break;
      case 'NotIn':
        result.notIn.push(...names);
        break;
      case 'Exists':
        break;
      default:
        result.never = true;
    }
  }
  return result;
}

function taintsOf(pool: string, value: unknown, problems: string[]): PoolTaint[] {
  if (!Array.isArray(value)) return [];
  if (value.length > MAX_TAINTS) {
    problems.push(`NodePool ${pool}: more than ${MAX_TAINTS} taints; none of them will be tolerated`);
    return [];
  }
  const taints: PoolTaint[] = [];
  for (const entry of value) {
    const taint = record(entry);
    const { key, value: taintValue, effect } = taint ?? {};
    const candidate = { key, operator: 'Equal', ...(taintValue === undefined || taintValue === '' ? {} : { value: taintValue }), effect };
    if (typeof key !== 'string' || typeof effect !== 'string' || !EFFECTS.includes(effect) || tolerationProblems(candidate).length > 0) {
      problems.push(`NodePool ${pool}: a taint the API server would not accept as a toleration was left out (${describe(key)})`);
      continue;
    }
    const found: PoolTaint = { key, effect: effect as TaintEffect };
    if (typeof taintValue === 'string' && taintValue !== '') found.value = taintValue;
    taints.push(found);
  }
  return taints;
}

function isReady(object: unknown): boolean {
  const conditions = record(record(object)?.status)?.conditions;
  return Array.isArray(conditions) && conditions.some((condition) => record(condition)?.type === 'Ready' && record(condition)?.status === 'True');
}

function weightOf(spec: Record<string, unknown> | undefined): number {
  const weight = spec?.weight;
  return typeof weight === 'number' && Number.isInteger(weight) && weight >= 1 && weight <= 100 ? weight : 0;
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
