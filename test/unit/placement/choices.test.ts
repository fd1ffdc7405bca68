// Per-workload and per-namespace choices: archy.io/preferred-arch, archy.io/strategy and
// archy.io/default-arch on the pod (its workload's template) or its Namespace; pod > namespace > environment.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { decide, type NamespaceDefaults, type PlacementPolicy } from '../../../lib/placement/index.ts';
import { applied, failed, pod, preferred, resolved, withPolicy } from './fixtures.ts';

const multi = [resolved('nginx:1', 'linux/amd64', 'linux/arm64', 'linux/s390x')];
// The environment: affinity, default amd64, no preferred architecture (the view would choose; none here).
const environment: PlacementPolicy = (() => {
  const chosen = withPolicy({});
  delete chosen.preferredArch;
  return chosen;
})();

function place(annotations: Record<string, string>, namespace?: Record<string, string>, resolutions = multi) {
  const input = pod({}, { namespace: 'shop', annotations });
  const namespaceDefaults: NamespaceDefaults | undefined = namespace === undefined ? undefined : { name: 'shop', annotations: namespace };
  const decision = decide({ pod: input, resolutions, ...(namespaceDefaults ? { namespaceDefaults } : {}) }, environment);
  return { decision, patched: applied(input, decision) };
}

const preferredArch = (patched: ReturnType<typeof place>['patched']): string | undefined =>
  (preferred(patched)[0] as { preference: { matchExpressions: Array<{ values: string[] }> } } | undefined)?.preference.matchExpressions[0]?.values[0];

describe('choices on the pod and its Namespace', () => {
  test('archy.io/preferred-arch on the pod names the preferred architecture', () => {
    assert.equal(preferredArch(place({}).patched), 'amd64', 'the environment: the default architecture');
    assert.equal(preferredArch(place({ 'archy.io/preferred-arch': 'arm64' }).patched), 'arm64');
  });

  test('archy.io/strategy: pin on the pod pins the preferred architecture', () => {
    const { patched } = place({ 'archy.io/strategy': 'pin', 'archy.io/preferred-arch': 'arm64' });
    assert.deepEqual(patched.spec?.nodeSelector, { 'kubernetes.io/arch': 'arm64' });
    assert.equal(patched.spec?.affinity, undefined);
    assert.equal(patched.metadata?.annotations?.['archy.io/architectures'], 'arm64');
  });

  test('archy.io/default-arch on the pod is its fallback when no image could be checked', () => {
    const { decision, patched } = place({ 'archy.io/default-arch': 'arm64' }, undefined, [failed('nginx:1', 'registry unreachable')]);
    assert.deepEqual(patched.spec?.nodeSelector, { 'kubernetes.io/arch': 'arm64' });
    assert.equal(patched.metadata?.annotations?.['archy.io/reason'], 'fallback: no image checked, default arm64');
    assert.match(decision.warnings.join('\n'), /default architecture arm64/);
  });

  test('the Namespace sets the defaults of its pods', () => {
    const namespace = { 'archy.io/strategy': 'pin', 'archy.io/preferred-arch': 's390x', 'archy.io/default-arch': 'arm64' };
    assert.deepEqual(place({}, namespace).patched.spec?.nodeSelector, { 'kubernetes.io/arch': 's390x' });
    const fallback = place({}, namespace, [failed('nginx:1', 'timeout')]).patched;
    assert.deepEqual(fallback.spec?.nodeSelector, { 'kubernetes.io/arch': 'arm64' });
  });

  test('pod > namespace > environment, one choice at a time', () => {
    const namespace = { 'archy.io/strategy': 'pin', 'archy.io/preferred-arch': 's390x' };
    // The pod overrides the preference only: the namespace's strategy still applies.
    assert.deepEqual(place({ 'archy.io/preferred-arch': 'arm64' }, namespace).patched.spec?.nodeSelector, { 'kubernetes.io/arch': 'arm64' });
    // The pod overrides the strategy: affinity on all of S, preferring the namespace's choice.
    const own = place({ 'archy.io/strategy': 'affinity' }, namespace).patched;
    assert.equal(own.spec?.nodeSelector, undefined);
    assert.equal(preferredArch(own), 's390x');
  });

  test('an invalid value on the pod is ignored with a warning naming the annotation; the namespace then applies', () => {
    const { decision, patched } = place({ 'archy.io/preferred-arch': 'aarch64', 'archy.io/strategy': 'spread' }, { 'archy.io/preferred-arch': 's390x' });
    assert.equal(preferredArch(patched), 's390x');
    assert.equal(patched.spec?.nodeSelector, undefined, 'the environment strategy, affinity');
    assert.ok(decision.warnings.includes('annotation archy.io/preferred-arch "aarch64" is not a Kubernetes architecture name (use "arm64"); it was ignored'), decision.warnings.join('\n'));
    assert.ok(decision.warnings.includes('annotation archy.io/strategy "spread" is neither affinity nor pin; it was ignored'), decision.warnings.join('\n'));
  });

  test('an invalid value on the Namespace is ignored with a warning naming the namespace and the annotation', () => {
    const namespace = { 'archy.io/default-arch': 'x86_64', 'archy.io/strategy': 'Pin' };
    const { decision, patched } = place({}, namespace);
    assert.equal(patched.spec?.nodeSelector, undefined);
    // The images were checked: the fallback decides nothing, so its value is not read.
    assert.deepEqual(decision.warnings, ['namespace shop annotation archy.io/strategy "Pin" is neither affinity nor pin; it was ignored']);
    const fallback = place({}, namespace, [failed('nginx:1', 'timeout')]);
    assert.deepEqual(fallback.patched.spec?.nodeSelector, { 'kubernetes.io/arch': 'amd64' });
    assert.equal(fallback.decision.warnings[0], 'namespace shop annotation archy.io/default-arch "x86_64" is not a Kubernetes architecture name (use "amd64"); it was ignored');
  });

  test('a choice that is valid on the pod makes an invalid one on the Namespace irrelevant: no warning for it', () => {
    const { decision } = place({ 'archy.io/strategy': 'affinity' }, { 'archy.io/strategy': 'bogus' });
    assert.deepEqual(decision.warnings, []);
  });

  test('a hostile value is shown short and printable, and the warning stays within 249 characters', () => {
    const { decision } = place({ 'archy.io/preferred-arch': `\u001b[31m${'x'.repeat(10_000)}` });
    const [warning] = decision.warnings;
    assert.ok(warning !== undefined && warning.length <= 249 && !/\p{Cc}/u.test(warning), warning);
    assert.match(warning, /^annotation archy\.io\/preferred-arch ".*\.\.\..*" is not a Kubernetes architecture name; it was ignored$/);
  });

  test('a pod that pins its architecture, or whose images share none, takes no choice and gets no warning about one', () => {
    const pinned = decide({ pod: pod({ nodeSelector: { 'kubernetes.io/arch': 'amd64' } }, { annotations: { 'archy.io/strategy': 'bogus' } }), resolutions: multi }, environment);
    assert.equal(pinned.kind === 'skip' && pinned.reason, 'arch-constrained');
    assert.deepEqual(pinned.warnings, []);
  });
});

describe('the README example', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] ?? '').find((text) => text.includes('kind: Namespace') && text.includes('archy.io/'));
  const documents = parseAllDocuments((block ?? '').replace(/^ {2}/gm, '')).map((document) => document.toJS() as { kind: string; metadata: { name: string; annotations?: Record<string, string> }; spec?: { template: { metadata: { annotations: Record<string, string> } } } });

  test('does what the README says: the Deployment may run anywhere, preferring arm64; other pods there are pinned to arm64', () => {
    const namespace = documents.find((document) => document.kind === 'Namespace');
    const deployment = documents.find((document) => document.kind === 'Deployment');
    assert.ok(namespace && deployment, 'the README shows a Namespace and a Deployment');
    const defaults: NamespaceDefaults = { name: namespace.metadata.name, annotations: namespace.metadata.annotations ?? {} };
    const images = [resolved('nginx:1', 'linux/amd64', 'linux/arm64')];
    const ledgerPod = pod({}, { namespace: 'payments', annotations: deployment.spec?.template.metadata.annotations });
    const ledger = applied(ledgerPod, decide({ pod: ledgerPod, resolutions: images, namespaceDefaults: defaults }, environment));
    assert.equal(ledger.spec?.nodeSelector, undefined);
    assert.equal(preferredArch({ ...ledger } as ReturnType<typeof place>['patched']), 'arm64');
    const otherPod = pod({}, { namespace: 'payments' });
    const other = applied(otherPod, decide({ pod: otherPod, resolutions: images, namespaceDefaults: defaults }, environment));
    assert.deepEqual(other.spec?.nodeSelector, { 'kubernetes.io/arch': 'arm64' });
  });
});
