// Which nodes a pod may use: the scheduler's NodeAffinity and TaintToleration filters, written for
// the tests from Kubernetes' component-helpers (scheduling/corev1), independent of lib/.
// A pod may use a node when its nodeSelector matches, one of its required node selector terms
// matches (terms are ORed, requirements within a term ANDed), and every NoSchedule/NoExecute taint
// of the node is tolerated.
import { isInt64, isLabelValue, isQualifiedName } from './validation.ts';

export const ARCH_LABEL = 'kubernetes.io/arch';
export const BETA_ARCH_LABEL = 'beta.kubernetes.io/arch';
export const ARCH_LABELS = [ARCH_LABEL, BETA_ARCH_LABEL];
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';
export const POOL_LABEL = 'example.com/pool';
export const CORES_LABEL = 'example.com/cores';
export const NODEPOOL_LABEL = 'karpenter.sh/nodepool';

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface Node {
  name: string;
  labels: Record<string, string>;
  taints: Taint[];
}

type Json = Record<string, unknown>;

function record(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * The architectures nodes carry: the usual ones, one a registry might report in upper case
 * (a valid label value no image resolves to), one of the synthetic `a<n>` names, one nobody builds for.
 */
export const NODE_ARCHITECTURES = ['amd64', 'arm64', 'arm', 's390x', 'ppc64le', 'riscv64', 'AMD64', 'a0', 'sparc64'];
export const ZONES = ['zone-a', 'zone-b'];
const TAINTS = ['plain', 'noschedule', 'noexecute'] as const;
const CORES = ['2', '4', '16'];

/**
 * Every architecture × zone × (untainted | tainted `kubernetes.io/arch=<arch>` NoSchedule or
 * NoExecute) × (with | without the beta arch label). Each node is labelled with its arch, hostname,
 * zone, os, a pool and a core count (for Gt/Lt).
 */
export function nodeUniverse(): Node[] {
  const nodes: Node[] = [];
  let index = 0;
  for (const arch of NODE_ARCHITECTURES) {
    for (const zone of ZONES) {
      for (const taint of TAINTS) {
        for (const beta of [true, false]) {
          const slug = arch === arch.toLowerCase() ? arch : `${arch.toLowerCase()}-upper`;
          const name = `${slug}-${zone}-${taint}${beta ? '' : '-nobeta'}`;
          const labels: Record<string, string> = {
            [ARCH_LABEL]: arch,
            [HOSTNAME_LABEL]: name,
            [ZONE_LABEL]: zone,
            'kubernetes.io/os': 'linux',
            [POOL_LABEL]: taint === 'plain' ? 'general' : 'graviton',
            [CORES_LABEL]: CORES[index % CORES.length] as string,
          };
          if (beta) labels[BETA_ARCH_LABEL] = arch;
          const taints: Taint[] = taint === 'plain' ? [] : [{ key: ARCH_LABEL, value: arch, effect: taint === 'noschedule' ? 'NoSchedule' : 'NoExecute' }];
          nodes.push({ name, labels, taints });
          index += 1;
        }
      }
    }
  }
  return nodes;
}

/**
 * Karpenter NodePools as a cluster view may report them (Ready ones): EKS Auto Mode's two, a tainted
 * Graviton pool, a heavy tainted s390x pool, and one whose first taint no node could carry (a key
 * that is not a label key: it must never become a toleration).
 */
export interface PoolDefinition {
  name: string;
  architectures: string[];
  taints: Array<{ key: string; value?: string; effect: string }>;
  weight: number;
}

export const NODE_POOLS: PoolDefinition[] = [
  { name: 'general-purpose', architectures: ['amd64'], taints: [], weight: 0 },
  { name: 'system', architectures: ['amd64', 'arm64'], taints: [{ key: 'CriticalAddonsOnly', effect: 'NoSchedule' }], weight: 0 },
  { name: 'graviton', architectures: ['arm64'], taints: [{ key: 'arch', value: 'arm64', effect: 'NoSchedule' }], weight: 10 },
  {
    name: 'mainframe',
    architectures: ['s390x'],
    taints: [{ key: 'dedicated', value: 'mainframe', effect: 'NoExecute' }, { key: 'example.com/slow', effect: 'PreferNoSchedule' }],
    weight: 50,
  },
  { name: 'odd', architectures: ['arm', 'riscv64'], taints: [{ key: 'bad key', effect: 'NoSchedule' }, { key: 'example.com/odd', value: 'yes', effect: 'NoSchedule' }], weight: 5 },
];

/** A taint a node can carry (and so a pod must tolerate): the API server's rules for node taints. */
export function isValidTaint(taint: { key: string; value?: string; effect: string }): taint is Taint {
  return isQualifiedName(taint.key) && (taint.value === undefined || isLabelValue(taint.value)) && ['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(taint.effect);
}

/** The nodes the NodePools launch: one per pool, architecture and zone, labelled with the pool, carrying its (valid) taints. */
export function nodePoolNodes(): Node[] {
  return NODE_POOLS.flatMap((pool) =>
    pool.architectures.flatMap((arch) =>
      ZONES.map((zone) => {
        const name = `${pool.name}-${arch}-${zone}`;
        const labels = { [ARCH_LABEL]: arch, [BETA_ARCH_LABEL]: arch, [HOSTNAME_LABEL]: name, [ZONE_LABEL]: zone, 'kubernetes.io/os': 'linux', [NODEPOOL_LABEL]: pool.name };
        return { name, labels, taints: pool.taints.filter(isValidTaint) };
      }),
    ),
  );
}

export const archOf = (node: Node): string => node.labels[ARCH_LABEL] as string;

/**
 * The same node (name, zone, pool…) with another architecture: arch labels and arch taints
 * rewritten. A webhook cannot know which architecture a node named in the pod has; its twins stand
 * for "a node like this one, of an architecture in S".
 */
export function twinOf(node: Node, arch: string): Node {
  const labels = { ...node.labels, [ARCH_LABEL]: arch };
  if (BETA_ARCH_LABEL in labels) labels[BETA_ARCH_LABEL] = arch;
  const taints = node.taints.map((taint) => (taint.key === ARCH_LABEL ? { ...taint, value: arch } : taint));
  return { name: node.name, labels, taints };
}

/** nodeSelector + required node affinity (no taints): the pod's own placement constraints. */
export function placementMatches(pod: unknown, node: Node): boolean {
  return nodeSelectorMatches(pod, node) && requiredAffinityMatches(pod, node);
}

/** The scheduler's verdict for this node: placement constraints and taints. */
export function canUse(pod: unknown, node: Node): boolean {
  return placementMatches(pod, node) && toleratesNode(pod, node);
}

export function nodeSelectorMatches(pod: unknown, node: Node): boolean {
  const selector = record(record(record(pod)?.spec)?.nodeSelector) ?? {};
  return Object.entries(selector).every(([key, value]) => node.labels[key] === value);
}

export function requiredAffinityMatches(pod: unknown, node: Node): boolean {
  const required = record(record(record(record(record(pod)?.spec)?.affinity)?.nodeAffinity)?.requiredDuringSchedulingIgnoredDuringExecution);
  if (!required) return true;
  return list(required.nodeSelectorTerms).some((term) => termMatches(term, node));
}

/** A term with neither matchExpressions nor matchFields matches no node. */
export function termMatches(term: unknown, node: Node): boolean {
  const expressions = list(record(term)?.matchExpressions);
  const fields = list(record(term)?.matchFields);
  if (expressions.length === 0 && fields.length === 0) return false;
  return expressions.every((requirement) => requirementMatches(requirement, node.labels)) && fields.every((requirement) => fieldMatches(requirement, node));
}

/**
 * `labels.Requirement.Matches`. A requirement the scheduler cannot turn into a selector (bad
 * operator, values that are not label values, a Gt/Lt value that is not an integer) makes its term
 * match nothing: the same as `false` here, since requirements in a term are ANDed.
 */
export function requirementMatches(requirement: unknown, labels: Record<string, string>): boolean {
  const { key, operator, values } = record(requirement) ?? {};
  if (typeof key !== 'string') return false;
  const given = list(values);
  const has = Object.hasOwn(labels, key);
  const label = labels[key];
  switch (operator) {
    case 'In':
      return given.length > 0 && given.every(isLabelValue) && has && given.includes(label);
    case 'NotIn':
      return given.length > 0 && given.every(isLabelValue) && (!has || !given.includes(label));
    case 'Exists':
      return given.length === 0 && has;
    case 'DoesNotExist':
      return given.length === 0 && !has;
    case 'Gt':
    case 'Lt': {
      if (given.length !== 1 || !isInt64(given[0]) || !has || !isInt64(label)) return false;
      const [mine, theirs] = [BigInt(label as string), BigInt(given[0] as string)];
      return operator === 'Gt' ? mine > theirs : mine < theirs;
    }
    default:
      return false;
  }
}

function fieldMatches(requirement: unknown, node: Node): boolean {
  const { key, operator, values } = record(requirement) ?? {};
  const given = list(values);
  if (key !== 'metadata.name' || given.length !== 1) return false;
  if (operator === 'In') return given[0] === node.name;
  if (operator === 'NotIn') return given[0] !== node.name;
  return false;
}

/** Every NoSchedule/NoExecute taint of the node is tolerated by some toleration of the pod. */
export function toleratesNode(pod: unknown, node: Node): boolean {
  const tolerations = list(record(record(pod)?.spec)?.tolerations);
  return node.taints.filter((taint) => taint.effect !== 'PreferNoSchedule').every((taint) => tolerations.some((toleration) => tolerates(toleration, taint)));
}

/** `Toleration.ToleratesTaint`: empty effect and empty key (with Exists) are wildcards; no operator is Equal. */
export function tolerates(toleration: unknown, taint: Taint): boolean {
  const { key = '', operator = '', value = '', effect = '' } = record(toleration) ?? {};
  if (effect !== '' && effect !== taint.effect) return false;
  if (key !== '' && key !== taint.key) return false;
  if (operator === 'Exists') return true;
  if (operator === 'Equal' || operator === '') return value === (taint.value ?? '');
  return false;
}
