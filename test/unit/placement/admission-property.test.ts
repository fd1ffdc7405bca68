// The placement rule (DESIGN.md §2) as a property of the whole admission, checked independently of
// lib/placement: random valid pods and random (sometimes hostile) registry answers go through
// createAdmitter with the real configuration; the returned JSONPatch is applied with fast-json-patch;
// the patched pod is validated against the Kubernetes schema and the API server's own rules; and a
// small scheduler (test/support/kube-rules) decides, over a universe of nodes, which nodes the pod
// may use before and after. See test/support/kube-rules/placement-rules.ts for the rules.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { loadConfig, type Config } from '../../../lib/config.ts';
import type { ImageResolution } from '../../../lib/types.ts';
import { admit, admitAndCheck, checkAudit, checkDaemonSet } from '../../support/kube-rules/admission.ts';
import { admissionCase, buildAnswers, buildPod, buildView, IMAGES, podImages, TILDE_KEY } from '../../support/kube-rules/arbitraries.ts';
import { formatReport } from '../../support/kube-rules/report.ts';
import { allowedArchitectures, checkOutcome, pinning } from '../../support/kube-rules/placement-rules.ts';
import { nodePoolNodes, nodeUniverse } from '../../support/kube-rules/scheduling.ts';
import { podProblems } from '../../support/kube-rules/validation.ts';

const ARM64_TAINT_TOLERATION = [{ key: 'kubernetes.io/arch', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' }];
const CONFIGS: Record<'defaults' | 'arm64-toleration', Config> = {
  defaults: loadConfig({}),
  'arm64-toleration': loadConfig({ ARCHY_ARCH_TOLERATIONS: JSON.stringify({ arm64: ARM64_TAINT_TOLERATION }) }),
};
// The node universe, and the nodes the NodePools of a cluster view launch (tainted as their pool).
const NODES = [...nodeUniverse(), ...nodePoolNodes()];
// ~3 ms a run (two admissions, two schema validations, ~120 nodes twice): about 3 s in all; the
// audit and DaemonSet properties take about as long again each.
// ARCHY_PROPERTY_RUNS and ARCHY_PROPERTY_SEED replay or widen a run.
const NUM_RUNS = Number(process.env.ARCHY_PROPERTY_RUNS ?? 1000);

const propertyOptions = {
  numRuns: NUM_RUNS,
  // A placement gone quadratic on the 40,000-platform answers fails here rather than hanging npm test.
  interruptAfterTimeLimit: 60_000,
  markInterruptAsFailure: true,
  ...(process.env.ARCHY_PROPERTY_SEED ? { seed: Number(process.env.ARCHY_PROPERTY_SEED) } : {}),
};

describe('admission placement property (independent checker)', () => {
  test('random valid pods and registry answers: the patched pod is valid, placed by the rule, and stable', async () => {
    await fc.assert(
      fc.asyncProperty(admissionCase, async (generated) => {
        const pod = buildPod(generated.pod);
        // The generator's own contract: a pod the API server accepts (but for the deliberate `~` key).
        const invalid = podProblems(pod).filter((problem) => !problem.includes(JSON.stringify(TILDE_KEY)));
        assert.deepEqual(invalid, [], 'the generator made a pod the API server would reject');
        const { violations, report } = await admitAndCheck({
          configName: generated.config,
          config: CONFIGS[generated.config],
          pod,
          images: podImages(generated.pod),
          answers: buildAnswers(generated.answers),
          nodes: NODES,
          view: buildView(generated.view),
        });
        if (violations.length > 0) assert.fail(report);
      }),
      propertyOptions,
    );
  });

  test('audit mode: the same decision, warnings and records, no scheduling field changed, a second pass with no patch', async () => {
    await fc.assert(
      fc.asyncProperty(admissionCase, async (generated) => {
        const pod = buildPod(generated.pod);
        const config = CONFIGS[generated.config];
        const [answers, view, images] = [buildAnswers(generated.answers), buildView(generated.view), podImages(generated.pod)];
        const { response } = await admit(config, structuredClone(pod), answers, view);
        const allowed = allowedArchitectures(images, answers, config.defaultArch);
        const violations = await checkAudit({ config, pod, answers, view, enforce: response, allowed });
        if (violations.length > 0) {
          assert.fail(formatReport({ config: `${generated.config} (audit)`, pod, images, answers, allowed, pinning: pinning(pod), patch: undefined, warnings: response.warnings, violations, view }));
        }
      }),
      propertyOptions,
    );
  });

  test('the pod spec as a DaemonSet template: placed by the rule in the affinity form, no patch when nothing relevant changed, replaced when the images change', async () => {
    // The update gives each container the next image of the list (answers exist for all of them).
    const nextImage = (image: string): string => IMAGES[(IMAGES.indexOf(image) + 1) % IMAGES.length] as string;
    await fc.assert(
      fc.asyncProperty(admissionCase, async (generated) => {
        const pod = buildPod(generated.pod);
        const config = CONFIGS[generated.config];
        const [answers, view] = [buildAnswers(generated.answers), buildView(generated.view)];
        const violations = await checkDaemonSet({ config, pod, answers, nodes: NODES, view, nextImage });
        if (violations.length > 0) {
          const images = podImages(generated.pod);
          const allowed = allowedArchitectures(images, answers, config.defaultArch);
          assert.fail(formatReport({ config: `${generated.config} (DaemonSet)`, pod, images, answers, allowed, pinning: pinning(pod), patch: undefined, warnings: undefined, violations, view }));
        }
      }),
      { ...propertyOptions, numRuns: Math.ceil(NUM_RUNS / 2) },
    );
  });
});

// The checker itself, on hand-made outcomes: each known way to get placement wrong is caught, and
// a right patch passes. (So a green property means the rules held, not that the checker is blind.)
describe('the independent checker catches known-bad placements', () => {
  const archIn = (...values: string[]) => ({ key: 'kubernetes.io/arch', operator: 'In', values });
  const zoneA = { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['zone-a'] };
  const pod = (spec: Record<string, unknown>, annotations?: Record<string, string>): Record<string, unknown> => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', ...(annotations ? { annotations } : {}) },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...spec },
  });
  const required = (...terms: unknown[]) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
  const amd64Only = allowedArchitectures(['nginx:1.27'], answersFor(['nginx:1.27'], () => ['amd64']), 'amd64');
  const rules = (before: unknown, after: unknown, warnings: string[] = []): string[] =>
    [...new Set(checkOutcome({ before, after, warnings, allowed: amd64Only, configuredTolerations: {}, nodes: NODES }).map((v) => v.rule))].sort();

  test('a right patch passes: the arch ANDed into the only term', () => {
    assert.deepEqual(rules(pod(required({ matchExpressions: [zoneA] })), pod(required({ matchExpressions: [zoneA, archIn('amd64')] }))), []);
  });
  test('a new ORed term instead of ANDing widens the pod past its own zone', () => {
    assert.deepEqual(rules(pod(required({ matchExpressions: [zoneA] })), pod(required({ matchExpressions: [zoneA] }, { matchExpressions: [archIn('amd64')] }))), ['no widening', 'safety', 'terms ANDed, not ORed']);
  });
  test('Exists on the arch label taken as a pin: the pod is left on every architecture', () => {
    const exists = pod(required({ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'Exists' }] }));
    assert.deepEqual(rules(exists, exists), ['safety']);
  });
  test('mixed terms: the arch added only to the term without one leaves the arm64 term open', () => {
    const before = pod(required({ matchExpressions: [archIn('arm64')] }, { matchExpressions: [zoneA] }));
    const after = pod(required({ matchExpressions: [archIn('arm64')] }, { matchExpressions: [zoneA, archIn('amd64')] }));
    assert.deepEqual(rules(before, after, ['archy: something']), ['safety']);
  });
  test('a pinned pod whose images lack its architecture needs a warning', () => {
    const pinned = pod({ nodeSelector: { 'kubernetes.io/arch': 'arm64' } });
    assert.deepEqual(rules(pinned, pinned), ['pinned: warning']);
    assert.deepEqual(rules(pinned, pinned, ['archy: the pod requires arm64 but its images support only amd64']), []);
  });
  test('an unchecked registry string written into the pod is invalid', () => {
    assert.ok(rules(pod({}), pod(required({ matchExpressions: [archIn('amd64', 'amd64 evil')] }))).includes('api-validation'));
  });
  test("Archy's annotation taking the pod past 256 KiB is invalid", () => {
    const big = { 'example.com/big': 'x'.repeat(256 * 1024 - 40) };
    const after = pod({ nodeSelector: { 'kubernetes.io/arch': 'amd64' } }, { ...big, 'archy.io/architectures': 'amd64' });
    assert.deepEqual(rules(pod({}, big), after), ['api-validation']);
  });
  test('a warning of 257 characters with its prefix, or with a control character, is refused', () => {
    const placed = pod({ nodeSelector: { 'kubernetes.io/arch': 'amd64' } });
    assert.deepEqual(rules(pod({}), placed, [`archy: ${'w'.repeat(250)}`]), ['warnings']);
    assert.deepEqual(rules(pod({}), placed, [`archy: ${'w'.repeat(249)}`]), []);
    assert.deepEqual(rules(pod({}), placed, ['archy: denied \u001b[31m']), ['warnings']);
  });
});

// The checker's DaemonSet rules, on hand-made templates (as pods).
describe('the independent checker catches known-bad DaemonSet placements', () => {
  const archIn = (...values: string[]) => ({ key: 'kubernetes.io/arch', operator: 'In', values });
  const template = (spec: Record<string, unknown>, annotations: Record<string, string> = {}): Record<string, unknown> => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'agent-x', namespace: 'default', annotations },
    spec: { containers: [{ name: 'agent', image: 'nginx:1.27' }], ...spec },
  });
  const required = (...terms: unknown[]) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
  const allowed = (...archs: string[]) => allowedArchitectures(['nginx:1.27'], answersFor(['nginx:1.27'], () => archs), 'amd64');
  const rules = (before: unknown, after: unknown, archs: string[]): string[] =>
    [...new Set(checkOutcome({ before, after, warnings: [], allowed: allowed(...archs), configuredTolerations: {}, nodes: NODES, workload: 'daemonset' }).map((v) => v.rule))].sort();

  test('right: the affinity on all of S', () => {
    assert.deepEqual(rules(template({}), template(required({ matchExpressions: [archIn('amd64', 'arm64')] }), { 'archy.io/architectures': 'amd64,arm64' }), ['amd64', 'arm64']), []);
  });
  test('a nodeSelector pin: the DaemonSet would leave the other architecture of S', () => {
    assert.deepEqual(rules(template({}), template({ nodeSelector: { 'kubernetes.io/arch': 'amd64' } }), ['amd64', 'arm64']), ['daemonset: affinity form', 'no loss']);
  });
  test('an update that ANDs the new set into the old expression instead of replacing it', () => {
    const anded = template(required({ matchExpressions: [archIn('amd64'), archIn('amd64', 'arm64')] }));
    assert.deepEqual(rules(template({}), anded, ['amd64', 'arm64']), ['no loss']);
  });
});

// The checker's cluster-view rules, on hand-made outcomes.
describe('the independent checker catches known-bad placements with a cluster view', () => {
  const graviton = { name: 'graviton', architectures: ['arm64'], taints: [{ key: 'arch', value: 'arm64', effect: 'NoSchedule' }], weight: 10, tolerate: true };
  const general = { name: 'general-purpose', architectures: ['amd64'], taints: [], weight: 0, tolerate: false };
  const pod = (spec: Record<string, unknown>, annotations: Record<string, string> = {}): Record<string, unknown> => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', annotations },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...spec },
  });
  const allowedFor = (...archs: string[]) => allowedArchitectures(['nginx:1.27'], answersFor(['nginx:1.27'], () => archs), 'amd64');
  const on = (arch: string, extra: Record<string, unknown> = {}) => pod({ nodeSelector: { 'kubernetes.io/arch': arch }, ...extra }, { 'archy.io/architectures': arch });
  const rules = (after: unknown, archs: string[], view: { nodes: Record<string, number>; nodePools?: Array<typeof graviton> }, warnings: string[] = []): string[] =>
    [...new Set(checkOutcome({ before: pod({}), after, warnings, allowed: allowedFor(...archs), configuredTolerations: {}, nodes: NODES, view }).map((v) => v.rule))].sort();
  const tolerated = { tolerations: [{ key: 'arch', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' }] };

  test('right: an arm64 pod tolerates the opted-in Graviton pool and names it', () => {
    const after = pod({ nodeSelector: { 'kubernetes.io/arch': 'arm64' }, ...tolerated }, { 'archy.io/architectures': 'arm64', 'archy.io/nodepools': 'graviton' });
    assert.deepEqual(rules(after, ['arm64'], { nodes: {}, nodePools: [graviton, general] }), []);
  });
  test('the opted-in pool that can run the pod left untolerated', () => {
    assert.ok(rules(on('arm64'), ['arm64'], { nodes: {}, nodePools: [graviton] }).includes('tolerations: pools'));
  });
  test("an amd64 pod given the Graviton pool's toleration", () => {
    assert.deepEqual(rules(on('amd64', tolerated), ['amd64'], { nodes: { amd64: 1 } , nodePools: [graviton] }), ['tolerations: unasked']);
  });
  test('a pod nothing can run, without a warning', () => {
    assert.deepEqual(rules(pod({ nodeSelector: { 'kubernetes.io/arch': 's390x' } }, { 'archy.io/architectures': 's390x' }), ['s390x'], { nodes: { amd64: 2 }, nodePools: [] }), ['pending: reason', 'pending: warning']);
  });
  test('a preferred architecture nothing offers', () => {
    const prefers = (arch: string) => ({ preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: [arch] }] } }] });
    const after = (arch: string) => pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64'] }] }] }, ...prefers(arch) } } }, { 'archy.io/architectures': 'amd64,arm64' });
    assert.deepEqual(rules(after('arm64'), ['amd64', 'arm64'], { nodes: { amd64: 3 } }), ['preferred: offered']);
    assert.deepEqual(rules(after('amd64'), ['amd64', 'arm64'], { nodes: { amd64: 3 } }), []);
  });
  test('archy.io/nodepools naming a pool that cannot run the pod, or left out when it fits', () => {
    assert.deepEqual(rules(pod({ nodeSelector: { 'kubernetes.io/arch': 'amd64' } }, { 'archy.io/architectures': 'amd64', 'archy.io/nodepools': 'graviton,general-purpose' }), ['amd64'], { nodes: {}, nodePools: [graviton, general] }), ['nodepools: annotation']);
    assert.deepEqual(rules(on('amd64'), ['amd64'], { nodes: {}, nodePools: [graviton, general] }), ['nodepools: annotation']);
  });
});

// The real-world pods (test/conformance/pod-objects.test.ts states their exact outcomes through
// decide()); here they go through the whole admission path and the same independent rules.
const corpus = process.env.ARCHY_CORPUS_DIR ?? path.resolve(import.meta.dirname, '../../../../shared/realworld');
const folder = path.join(corpus, 'admission', 'pod-objects');
const EXCLUDE_LABEL = 'multiarch.openshift.io/exclude-pod-placement';

function corpusPods(): Array<{ file: string; pod: Record<string, unknown> }> {
  const found: Array<{ file: string; pod: Record<string, unknown> }> = [];
  for (const file of readdirSync(folder).filter((name) => /\.ya?ml$/.test(name)).sort()) {
    const documents = parseAllDocuments(readFileSync(path.join(folder, file), 'utf8')).map((document) => document.toJS() as Record<string, unknown> | null);
    // Pods only (DaemonSet pods and opted-out namespaces are skips, outside this rule).
    const optedOut = documents.some((document) => document?.kind === 'Namespace' && EXCLUDE_LABEL in (((document.metadata as { labels?: object } | undefined)?.labels) ?? {}));
    const pod = documents.find((document) => document?.kind === 'Pod');
    if (pod && !optedOut) found.push({ file, pod: { ...pod, metadata: { name: 'corpus-pod', ...(pod.metadata as object), namespace: 'default' } } });
  }
  return found;
}

function imagesOf(pod: Record<string, unknown>): string[] {
  const spec = pod.spec as { containers?: Array<{ image: string }>; initContainers?: Array<{ image: string }> };
  return [...new Set([...(spec.initContainers ?? []), ...(spec.containers ?? [])].map((container) => container.image))];
}

function answersFor(images: readonly string[], platforms: (image: string) => string[]): Map<string, ImageResolution> {
  return new Map(
    images.map((image) => [
      image,
      {
        ok: true,
        image,
        reference: { registry: image.split('/')[0] ?? '', repository: image, canonical: image },
        digest: `sha256:${'1'.repeat(64)}`,
        platforms: platforms(image).map((architecture) => ({ os: 'linux', architecture })),
        source: 'registry',
      } satisfies ImageResolution,
    ]),
  );
}

describe('real-world pod objects through the admission path', () => {
  if (!existsSync(folder)) {
    test('pod-objects corpus', { skip: `realworld corpus not found at ${folder}; set ARCHY_CORPUS_DIR` }, () => undefined);
    return;
  }
  const conventions: Record<string, (image: string) => string[]> = {
    // As in the conformance test: `:multiarch` images on four architectures, the rest on two.
    usual: (image) => (image.endsWith(':multiarch') ? ['amd64', 'arm64', 'ppc64le', 's390x'] : ['amd64', 'arm64']),
    'amd64 only': () => ['amd64'],
    's390x only': () => ['s390x'],
  };
  for (const { file, pod } of corpusPods()) {
    for (const [name, platforms] of Object.entries(conventions)) {
      test(`${file} (${name})`, async () => {
        const images = imagesOf(pod);
        assert.deepEqual(podProblems(pod), [], 'the corpus pod is valid');
        const { violations, report } = await admitAndCheck({ configName: 'defaults', config: CONFIGS.defaults, pod, images, answers: answersFor(images, platforms), nodes: NODES });
        if (violations.length > 0) assert.fail(report);
      });
    }
  }
});
