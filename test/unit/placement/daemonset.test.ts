// DaemonSets: the rule written into spec.template at CREATE and UPDATE, in real DaemonSet shapes
// (an aws-node-like CNI that already carries an arch affinity, a log agent that does not).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import jsonpatch from 'fast-json-patch';
import { decideDaemonSet, type DaemonSetInput, type Decision, type PlacementPolicy } from '../../../lib/placement/index.ts';
import type { ImageResolution } from '../../../lib/types.ts';
import { templatePod } from '../../support/kube-rules/daemonset.ts';
import { podProblems } from '../../support/kube-rules/validation.ts';
import { archIn, failed, resolved, withPolicy } from './fixtures.ts';

type Json = Record<string, unknown>;
interface DaemonSet {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels?: Json; annotations?: Record<string, string>; generation?: number };
  spec: {
    selector: Json;
    updateStrategy?: Json;
    template: {
      metadata: { labels: Json; annotations?: Record<string, string> };
      spec: Json & { containers: Array<Json & { image: string }>; initContainers?: Array<Json & { image: string }>; tolerations?: Json[] };
    };
  };
}

const ECR = '602401143452.dkr.ecr.us-west-2.amazonaws.com';
const osLinux = { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] };
const notFargate = { key: 'eks.amazonaws.com/compute-type', operator: 'NotIn', values: ['fargate', 'hybrid', 'auto'] };

/** Shaped like the aws-vpc-cni chart's aws-node: its own arch affinity, init container, tolerate-everything. */
function awsNode(namespace = 'networking'): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'aws-node', namespace, labels: { 'k8s-app': 'aws-node' } },
    spec: {
      selector: { matchLabels: { 'k8s-app': 'aws-node' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } },
      template: {
        metadata: { labels: { 'k8s-app': 'aws-node', 'app.kubernetes.io/name': 'aws-node' } },
        spec: {
          priorityClassName: 'system-node-critical',
          serviceAccountName: 'aws-node',
          hostNetwork: true,
          initContainers: [{ name: 'aws-vpc-cni-init', image: `${ECR}/amazon-k8s-cni-init:v1.23.1`, securityContext: { privileged: true } }],
          containers: [
            { name: 'aws-node', image: `${ECR}/amazon-k8s-cni:v1.23.1`, ports: [{ containerPort: 61678, name: 'metrics' }], env: [{ name: 'AWS_VPC_K8S_CNI_LOGLEVEL', value: 'DEBUG' }] },
            { name: 'aws-eks-nodeagent', image: `${ECR}/amazon/aws-network-policy-agent:v1.4.2`, args: ['--enable-network-policy=false'] },
          ],
          tolerations: [{ operator: 'Exists' }],
          affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [osLinux, archIn('amd64', 'arm64'), notFargate] }] } } },
        },
      },
    },
  };
}

/** A log agent as its chart renders it: an os nodeSelector, tolerations, no arch anywhere. */
function logAgent(image = 'cr.fluentbit.io/fluent/fluent-bit:3.1.9', extra: Json = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'fluent-bit', namespace: 'logging', labels: { 'app.kubernetes.io/name': 'fluent-bit' }, generation: 1 },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': 'fluent-bit' } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'fluent-bit' }, annotations: { 'checksum/config': 'a1b2c3' } },
        spec: {
          serviceAccountName: 'fluent-bit',
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          containers: [{ name: 'fluent-bit', image, volumeMounts: [{ name: 'varlog', mountPath: '/var/log' }] }],
          volumes: [{ name: 'varlog', hostPath: { path: '/var/log' } }],
          tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
          ...extra,
        },
      },
    },
  };
}

const policy = withPolicy({ preferredArch: undefined });
const multi = (image: string, ...archs: string[]): ImageResolution => resolved(image, ...archs.map((arch) => `linux/${arch}`));
const FLUENT = 'cr.fluentbit.io/fluent/fluent-bit:3.1.9';

function decideOn(object: DaemonSet, resolutions: ImageResolution[], options: { oldObject?: DaemonSet; policy?: PlacementPolicy } = {}): Decision {
  const input: DaemonSetInput = { operation: options.oldObject ? 'UPDATE' : 'CREATE', object, resolutions, ...(options.oldObject ? { oldObject: options.oldObject } : {}) };
  return decideDaemonSet(input, options.policy ?? policy);
}

/** The DaemonSet after the decision's patch (validated), checked to be one the API server accepts. */
function after(object: DaemonSet, decision: Decision): DaemonSet {
  const patched = jsonpatch.applyPatch(structuredClone(object), jsonpatch.deepClone(decision.patch ?? []) as jsonpatch.Operation[], true).newDocument;
  assert.deepEqual(podProblems(templatePod(patched)), [], 'the template is valid');
  return patched;
}

const terms = (object: DaemonSet): unknown[] =>
  ((object.spec.template.spec.affinity as { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: unknown[] } } } | undefined)?.nodeAffinity
    ?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms) ?? [];

describe('DaemonSet CREATE', () => {
  test('a log agent with multi-arch images: a required affinity on all of S in its template, nothing else chosen', () => {
    const agent = logAgent();
    const decision = decideOn(agent, [multi(FLUENT, 'amd64', 'arm64', 's390x')]);
    assert.equal(decision.kind, 'mutate');
    const placed = after(agent, decision);
    assert.deepEqual(terms(placed), [{ matchExpressions: [archIn('amd64', 'arm64', 's390x')] }]);
    assert.deepEqual(placed.spec.template.spec.nodeSelector, { 'kubernetes.io/os': 'linux' }, 'no arch pin');
    assert.equal((placed.spec.template.spec.affinity as Json).nodeAffinity && JSON.stringify(placed.spec.template.spec.affinity).includes('preferred'), false, 'no preferred term');
    assert.deepEqual(placed.spec.template.metadata.annotations, { 'checksum/config': 'a1b2c3', 'archy.io/architectures': 'amd64,arm64,s390x' });
    assert.deepEqual(placed.metadata, agent.metadata, 'only the template changes');
  });

  test('one architecture is also a required affinity, never a nodeSelector pin; strategy pin is not used, with a warning for the template that asks', () => {
    const agent = logAgent();
    agent.spec.template.metadata.annotations = { 'archy.io/strategy': 'pin' };
    const single = after(agent, decideOn(agent, [multi(FLUENT, 'amd64')], { policy: withPolicy({ multiArchStrategy: 'pin' }) }));
    assert.deepEqual(terms(single), [{ matchExpressions: [archIn('amd64')] }]);
    assert.deepEqual(single.spec.template.spec.nodeSelector, { 'kubernetes.io/os': 'linux' });
    const decision = decideOn(agent, [multi(FLUENT, 'amd64', 'arm64')], { policy: withPolicy({ multiArchStrategy: 'pin' }) });
    assert.deepEqual(terms(after(agent, decision)), [{ matchExpressions: [archIn('amd64', 'arm64')] }]);
    assert.match(decision.warnings.join('\n'), /archy\.io\/strategy "pin" is not used for a DaemonSet/);
  });

  test('an aws-node-like DaemonSet that requires amd64 or arm64 itself is left as it is, and warned about when an image lacks one', () => {
    const node = awsNode();
    const images = [`${ECR}/amazon-k8s-cni-init:v1.23.1`, `${ECR}/amazon-k8s-cni:v1.23.1`, `${ECR}/amazon/aws-network-policy-agent:v1.4.2`];
    const fine = decideOn(node, images.map((image) => multi(image, 'amd64', 'arm64')));
    assert.equal(fine.kind === 'skip' && fine.reason, 'arch-constrained');
    assert.deepEqual(fine.patch ?? [], []);
    assert.deepEqual(fine.warnings, []);
    const lacking = decideOn(node, [multi(images[0] as string, 'amd64', 'arm64'), multi(images[1] as string, 'amd64'), multi(images[2] as string, 'amd64', 'arm64')]);
    assert.deepEqual(lacking.patch ?? [], []);
    assert.deepEqual(lacking.warnings, ['the DaemonSet requires amd64 or arm64 but its images support only amd64; on other architectures it fails with exec format error']);
  });

  test('kube-system is excluded (as for pods), and archy.io/skip: "true" on the DaemonSet or its template opts out', () => {
    const inKubeSystem = decideOn(awsNode('kube-system'), []);
    assert.equal(inKubeSystem.kind === 'skip' && inKubeSystem.reason, 'excluded-namespace');
    const optedOut = logAgent();
    optedOut.metadata.annotations = { 'archy.io/skip': 'true' };
    assert.equal(decideOn(optedOut, []).reason, 'opt-out');
    const templateOptOut = logAgent();
    templateOptOut.spec.template.metadata.annotations = { 'archy.io/skip': 'true' };
    assert.equal(decideOn(templateOptOut, []).reason, 'opt-out');
  });

  test('no image could be checked: the template is left as it is (a default architecture would take it off every other node), with a warning', () => {
    const decision = decideOn(logAgent(), [failed(FLUENT, 'cr.fluentbit.io answered 503')]);
    assert.equal(decision.kind === 'skip' && decision.reason, 'unresolved');
    assert.deepEqual(decision.patch ?? [], []);
    assert.match(decision.warnings.join('\n'), /503/);
    assert.match(decision.warnings.join('\n'), /no image of this DaemonSet could be checked/);
  });

  test('configured tolerations of the placed architectures go into the template, once', () => {
    const arm64 = { key: 'kubernetes.io/arch', operator: 'Equal' as const, value: 'arm64', effect: 'NoSchedule' as const };
    const decision = decideOn(logAgent(), [multi(FLUENT, 'amd64', 'arm64')], { policy: withPolicy({ archTolerations: { arm64: [arm64] } }) });
    assert.deepEqual(after(logAgent(), decision).spec.template.spec.tolerations, [...(logAgent().spec.template.spec.tolerations ?? []), arm64]);
  });

  test('admitted again (reinvocation), the placed DaemonSet gets no patch', () => {
    const placed = after(logAgent(), decideOn(logAgent(), [multi(FLUENT, 'amd64', 'arm64')]));
    const again = decideOn(placed, [multi(FLUENT, 'amd64', 'arm64')]);
    assert.equal(again.kind === 'skip' && again.reason, 'already-placed');
    assert.deepEqual(again.patch ?? [], []);
  });

  test('in audit mode only the records are written: archy.io/architectures and archy.io/would-place', () => {
    const agent = logAgent();
    const placed = after(agent, decideOn(agent, [multi(FLUENT, 'amd64', 'arm64')], { policy: withPolicy({ mode: 'audit' }) }));
    assert.deepEqual(placed.spec.template.spec, agent.spec.template.spec);
    assert.deepEqual(placed.spec.template.metadata.annotations, { 'checksum/config': 'a1b2c3', 'archy.io/architectures': 'amd64,arm64', 'archy.io/would-place': 'amd64,arm64' });
  });
});

describe('DaemonSet UPDATE', () => {
  const created = (resolutions: ImageResolution[], agent = logAgent()): DaemonSet => after(agent, decideOn(agent, resolutions));
  const withImage = (object: DaemonSet, image: string): DaemonSet => {
    const copy = structuredClone(object);
    for (const container of copy.spec.template.spec.containers) container.image = image;
    return copy;
  };

  test('nothing relevant changed (kubectl apply of the same manifest, a label, an env variable, the update strategy): an empty patch, no image looked up', () => {
    const placed = created([multi(FLUENT, 'amd64', 'arm64')]);
    const same = decideOn(placed, [], { oldObject: placed });
    assert.equal(same.kind === 'skip' && same.reason, 'unchanged');
    assert.deepEqual(same.patch ?? [], []);
    const unrelated = structuredClone(placed);
    unrelated.metadata.generation = 2;
    unrelated.spec.updateStrategy = { type: 'OnDelete' };
    unrelated.spec.template.metadata.labels.release = 'r7';
    unrelated.spec.template.metadata.annotations = { ...unrelated.spec.template.metadata.annotations, 'checksum/config': 'd4e5f6' };
    (unrelated.spec.template.spec.containers[0] as Json).env = [{ name: 'FLUENT_LOG_LEVEL', value: 'debug' }];
    const decision = decideOn(unrelated, [], { oldObject: placed });
    assert.equal(decision.reason, 'unchanged');
    assert.deepEqual(decision.patch ?? [], []);
  });

  test("new images narrow S: Archy's expression is replaced, not ANDed again", () => {
    const placed = created([multi(FLUENT, 'amd64', 'arm64')]);
    const next = withImage(placed, 'cr.fluentbit.io/fluent/fluent-bit:4.0.0');
    const updated = after(next, decideOn(next, [multi('cr.fluentbit.io/fluent/fluent-bit:4.0.0', 'amd64')], { oldObject: placed }));
    assert.deepEqual(terms(updated), [{ matchExpressions: [archIn('amd64')] }]);
    assert.equal(updated.spec.template.metadata.annotations?.['archy.io/architectures'], 'amd64');
  });

  test('new images widen S: the DaemonSet covers the new architecture (ANDed again, it would not)', () => {
    const placed = created([multi(FLUENT, 'amd64')]);
    const next = withImage(placed, 'cr.fluentbit.io/fluent/fluent-bit:4.0.0');
    const updated = after(next, decideOn(next, [multi('cr.fluentbit.io/fluent/fluent-bit:4.0.0', 'amd64', 'arm64')], { oldObject: placed }));
    assert.deepEqual(terms(updated), [{ matchExpressions: [archIn('amd64', 'arm64')] }]);
  });

  test("the user's own terms and expressions stay; only Archy's expression in each is replaced", () => {
    const zone = { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['eu-west-1a'] };
    const userTerms = [{ matchExpressions: [osLinux, archIn('amd64', 'arm64')] }, { matchExpressions: [zone] }];
    const agent = logAgent(FLUENT, { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: userTerms } } } });
    const placed = created([multi(FLUENT, 'amd64', 'arm64')], agent);
    // The first term requires amd64 or arm64 itself, the second nothing: Archy's expression ends both.
    assert.deepEqual(terms(placed), [{ matchExpressions: [osLinux, archIn('amd64', 'arm64'), archIn('amd64', 'arm64')] }, { matchExpressions: [zone, archIn('amd64', 'arm64')] }]);
    const next = withImage(placed, 'cr.fluentbit.io/fluent/fluent-bit:4.0.0');
    const updated = after(next, decideOn(next, [multi('cr.fluentbit.io/fluent/fluent-bit:4.0.0', 'amd64', 'arm64', 's390x')], { oldObject: placed }));
    const wide = archIn('amd64', 'arm64', 's390x');
    assert.deepEqual(terms(updated), [{ matchExpressions: [osLinux, archIn('amd64', 'arm64'), wide] }, { matchExpressions: [zone, wide] }], "the user's own amd64/arm64 requirement is kept");
  });

  test("an apply that drops Archy's fields (server-side apply of the same manifest) gets them back exactly: the template ends as it was, so no rollout", () => {
    const placed = created([multi(FLUENT, 'amd64', 'arm64')]);
    const reapplied = logAgent();
    const decision = decideOn(reapplied, [multi(FLUENT, 'amd64', 'arm64')], { oldObject: placed });
    assert.equal(decision.kind, 'mutate');
    assert.deepEqual(after(reapplied, decision).spec.template, placed.spec.template);
  });

  test('images changed but none could be checked: the placement made for the old images is taken back; unchanged images keep theirs', () => {
    const placed = created([multi(FLUENT, 'amd64')]);
    const next = withImage(placed, 'cr.fluentbit.io/fluent/fluent-bit:4.0.0');
    const decision = decideOn(next, [failed('cr.fluentbit.io/fluent/fluent-bit:4.0.0', 'timeout')], { oldObject: placed });
    const updated = after(next, decision);
    assert.deepEqual(updated.spec.template, withImage(logAgent(), 'cr.fluentbit.io/fluent/fluent-bit:4.0.0').spec.template);
    assert.match(decision.warnings.join('\n'), /taken back/);
    // Same images, a relevant change (a toleration), registry down: the placement stays.
    const tolerating = structuredClone(placed);
    tolerating.spec.template.spec.tolerations = [...(tolerating.spec.template.spec.tolerations ?? []), { key: 'gpu', operator: 'Exists' }];
    const kept = decideOn(tolerating, [failed(FLUENT, 'timeout')], { oldObject: placed });
    assert.deepEqual(kept.patch ?? [], []);
    assert.match(kept.warnings.join('\n'), /left as it was/);
  });

  test('new images with no architecture in common: Archy takes its placement back and says why', () => {
    const placed = created([multi(FLUENT, 'amd64', 'arm64')]);
    const next = structuredClone(placed);
    next.spec.template.spec.containers.push({ name: 'sidecar', image: 'example.com/s390x-only:1' });
    const decision = decideOn(next, [multi(FLUENT, 'amd64', 'arm64'), multi('example.com/s390x-only:1', 's390x')], { oldObject: placed });
    assert.equal(decision.reason, 'no-common-arch');
    const updated = after(next, decision);
    assert.deepEqual(terms(updated), []);
    assert.equal(updated.spec.template.metadata.annotations?.['archy.io/architectures'], undefined);
  });

  test('an image update admitted again after another webhook changed the DaemonSet (reinvocation): no second expression, the record kept', () => {
    const placed = created([multi(FLUENT, 'amd64', 'arm64')]);
    const next = withImage(placed, 'cr.fluentbit.io/fluent/fluent-bit:4.0.0');
    const answers = [multi('cr.fluentbit.io/fluent/fluent-bit:4.0.0', 'amd64')];
    const updated = after(next, decideOn(next, answers, { oldObject: placed }));
    // Another mutating webhook adds a sidecar with the same image; the API server calls Archy again.
    const mutated = structuredClone(updated);
    mutated.spec.template.spec.containers.push({ name: 'reloader', image: 'cr.fluentbit.io/fluent/fluent-bit:4.0.0' });
    const again = decideOn(mutated, answers, { oldObject: placed });
    assert.deepEqual(again.patch ?? [], [], JSON.stringify(again));
    assert.deepEqual(terms(mutated), [{ matchExpressions: [archIn('amd64')] }]);
  });

  test('switched from audit to enforce, the next image change places the DaemonSet (audit wrote no expression to take back)', () => {
    const audited = after(logAgent(), decideOn(logAgent(), [multi(FLUENT, 'amd64', 'arm64')], { policy: withPolicy({ mode: 'audit' }) }));
    const next = withImage(audited, 'cr.fluentbit.io/fluent/fluent-bit:4.0.0');
    const updated = after(next, decideOn(next, [multi('cr.fluentbit.io/fluent/fluent-bit:4.0.0', 'amd64')], { oldObject: audited }));
    assert.deepEqual(terms(updated), [{ matchExpressions: [archIn('amd64')] }]);
    assert.deepEqual(updated.spec.template.metadata.annotations, { 'checksum/config': 'a1b2c3', 'archy.io/architectures': 'amd64' }, 'would-place is gone');
  });
});
