// Karpenter objects as the API server returns them: karpenter.sh/v1 NodePools and
// karpenter.k8s.aws/v1 EC2NodeClasses, with the fields Karpenter itself sets (status conditions,
// hashes, resources), including EKS Auto Mode's two built-in pools. Our own, shaped like the real ones.

export interface Requirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
  minValues?: number;
}

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface NodePoolOptions {
  requirements?: Requirement[];
  taints?: Taint[];
  startupTaints?: Taint[];
  weight?: number;
  ready?: boolean;
  /** `archy.io/tolerate: "true"`. */
  tolerate?: boolean;
  annotations?: Record<string, string>;
  /** An EC2NodeClass by name, or EKS Auto Mode's built-in NodeClass. */
  nodeClass?: string | { group: string; kind: string; name: string };
}

let uid = 0;
const nextUid = (): string => `5c0a3e1e-${String(++uid).padStart(4, '0')}-4f5a-9b2e-7d7c0c1e2f3a`;

function conditions(ready: boolean): Array<Record<string, unknown>> {
  const at = '2025-05-01T10:00:00Z';
  const condition = (type: string, ok: boolean, reason: string) => ({ type, status: ok ? 'True' : 'False', reason, message: ok ? '' : `${type} is false`, lastTransitionTime: at, observedGeneration: 1 });
  return [
    condition('ValidationSucceeded', true, 'ValidationSucceeded'),
    condition('NodeClassReady', ready, ready ? 'NodeClassReady' : 'NodeClassNotReady'),
    condition('NodeRegistrationHealthy', true, 'NodeRegistrationHealthy'),
    condition('Ready', ready, ready ? 'Ready' : 'UnhealthyDependents'),
  ];
}

export function nodePool(name: string, options: NodePoolOptions = {}): Record<string, unknown> {
  const ref = typeof options.nodeClass === 'object' ? options.nodeClass : { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: options.nodeClass ?? 'default' };
  const annotations: Record<string, string> = { 'karpenter.sh/nodepool-hash': '6821555240594823858', 'karpenter.sh/nodepool-hash-version': 'v3', ...options.annotations };
  if (options.tolerate) annotations['archy.io/tolerate'] = 'true';
  const template: Record<string, unknown> = {
    metadata: { labels: { 'example.com/team': 'platform' } },
    spec: {
      nodeClassRef: ref,
      requirements: options.requirements ?? [
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
        { key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: ['c', 'm', 'r'] },
      ],
      expireAfter: '720h',
      ...(options.taints ? { taints: options.taints } : {}),
      ...(options.startupTaints ? { startupTaints: options.startupTaints } : {}),
    },
  };
  return {
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name, uid: nextUid(), resourceVersion: String(1000 + uid), generation: 1, creationTimestamp: '2025-05-01T09:58:00Z', annotations },
    spec: {
      template,
      disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '1m', budgets: [{ nodes: '10%' }] },
      limits: { cpu: '1000' },
      ...(options.weight === undefined ? {} : { weight: options.weight }),
    },
    status: { conditions: conditions(options.ready ?? true), resources: { cpu: '8', memory: '32Gi', nodes: '2', pods: '58' } },
  };
}

export const archIn = (...values: string[]): Requirement => ({ key: 'kubernetes.io/arch', operator: 'In', values });

const AUTO_MODE_CLASS = { group: 'eks.amazonaws.com', kind: 'NodeClass', name: 'default' };
const AUTO_MODE_REQUIREMENTS: Requirement[] = [
  { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
  { key: 'eks.amazonaws.com/instance-category', operator: 'In', values: ['c', 'm', 'r'] },
  { key: 'eks.amazonaws.com/instance-generation', operator: 'Gt', values: ['4'] },
  { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
];

/** EKS Auto Mode's built-in pool for workloads: amd64 only, no taints. */
export function autoModeGeneralPurpose(): Record<string, unknown> {
  const pool = nodePool('general-purpose', { nodeClass: AUTO_MODE_CLASS, requirements: [...AUTO_MODE_REQUIREMENTS.slice(0, 3), archIn('amd64'), AUTO_MODE_REQUIREMENTS[3] as Requirement] });
  (pool.metadata as Record<string, unknown>).labels = { 'app.kubernetes.io/managed-by': 'eks' };
  return pool;
}

/** EKS Auto Mode's built-in pool for add-ons: amd64 and arm64, tainted CriticalAddonsOnly. */
export function autoModeSystem(): Record<string, unknown> {
  const pool = nodePool('system', {
    nodeClass: AUTO_MODE_CLASS,
    requirements: [...AUTO_MODE_REQUIREMENTS.slice(0, 3), archIn('amd64', 'arm64'), AUTO_MODE_REQUIREMENTS[3] as Requirement],
    taints: [{ key: 'CriticalAddonsOnly', effect: 'NoSchedule' }],
  });
  (pool.metadata as Record<string, unknown>).labels = { 'app.kubernetes.io/managed-by': 'eks' };
  return pool;
}

/** A Graviton pool tainted so that only workloads known to run on arm64 go there. */
export function gravitonPool(options: { tolerate?: boolean; ready?: boolean; weight?: number } = {}): Record<string, unknown> {
  return nodePool('graviton', {
    requirements: [archIn('arm64'), { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['m7g', 'c7g', 'r7g'] }],
    taints: [{ key: 'arch', value: 'arm64', effect: 'NoSchedule' }],
    startupTaints: [{ key: 'node.cilium.io/agent-not-ready', value: 'true', effect: 'NoExecute' }],
    weight: options.weight ?? 10,
    ...options,
  });
}

export function ec2NodeClass(name: string, amiArchitectures: string[] | undefined): Record<string, unknown> {
  const amis = amiArchitectures?.map((arch, index) => ({
    id: `ami-0${index}f3c1a2b4d5e6f7a8`,
    name: `amazon-eks-node-al2023-${arch === 'arm64' ? 'arm64' : 'x86_64'}-standard-1.32-v20250501`,
    requirements: [{ key: 'kubernetes.io/arch', operator: 'In', values: [arch] }],
  }));
  return {
    apiVersion: 'karpenter.k8s.aws/v1',
    kind: 'EC2NodeClass',
    metadata: { name, uid: nextUid(), resourceVersion: String(2000 + uid), generation: 1, annotations: { 'karpenter.k8s.aws/ec2nodeclass-hash': '1234', 'karpenter.k8s.aws/ec2nodeclass-hash-version': 'v4' } },
    spec: { role: 'KarpenterNodeRole-demo', amiSelectorTerms: [{ alias: 'al2023@latest' }], subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'demo' } }], securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'demo' } }] },
    status: {
      ...(amis ? { amis } : {}),
      instanceProfile: 'demo_1234567890',
      subnets: [{ id: 'subnet-0a1b2c3d', zone: 'us-east-1a', zoneID: 'use1-az1' }],
      securityGroups: [{ id: 'sg-0a1b2c3d', name: 'demo-node' }],
      conditions: [{ type: 'Ready', status: amis ? 'True' : 'False', reason: amis ? 'Ready' : 'AMIsNotFound', message: '', lastTransitionTime: '2025-05-01T09:57:00Z', observedGeneration: 1 }],
    },
  };
}

export const NODEPOOLS = '/apis/karpenter.sh/v1/nodepools';
export const EC2NODECLASSES = '/apis/karpenter.k8s.aws/v1/ec2nodeclasses';
