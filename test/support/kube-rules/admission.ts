// One admission through the real path (createAdmitter, real configuration) with a stub resolver
// that returns given registry answers; then the patch applied by an independent RFC 6902
// implementation, the rules checked, and the patched pod admitted again (idempotence). The same
// pod in audit mode must differ from enforce only in its scheduling fields and Archy's records;
// as a DaemonSet's template, it must be placed by the same rule, and updates of the DaemonSet
// must replace Archy's placement, or leave the template as it is.
import { Writable } from 'node:stream';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { createAdmitter, type ImageResolver } from '../../../lib/admission/admit.ts';
import { parseReview, type AdmissionResponse } from '../../../lib/admission/review.ts';
import type { Config } from '../../../lib/config.ts';
import { createLogger } from '../../../lib/log.ts';
import { noopMetrics } from '../../../lib/metrics/metrics.ts';
import type { ClusterView } from '../../../lib/placement/index.ts';
import type { ImageResolution } from '../../../lib/types.ts';
import { podAdmissionReview } from '../review.ts';
import type { ClusterViewLike } from './arbitraries.ts';
import { daemonSetOf, daemonSetReview, templatePod, withImages } from './daemonset.ts';
import { allowedArchitectures, checkOutcome, pinning, sameJson, sameSemantics, type Allowed, type Violation } from './placement-rules.ts';
import { abbreviate, formatReport } from './report.ts';
import { ANNOTATIONS_LIMIT_BYTES } from './validation.ts';
import { placementMatches, type Node } from './scheduling.ts';

export interface Answered {
  response: AdmissionResponse;
  /** Error lines the admission logged (an error inside Archy, answered fail-open). */
  errors: string[];
}

export async function admit(config: Config, pod: unknown, answers: ReadonlyMap<string, ImageResolution>, view?: ClusterViewLike): Promise<Answered> {
  return admitReview(config, podAdmissionReview('3f1c2a9e-0000-4000-8000-000000000001', pod, { namespace: 'default' }), answers, view);
}

/** Any AdmissionReview (a pod's, a DaemonSet's) through the admitter. */
export async function admitReview(config: Config, body: unknown, answers: ReadonlyMap<string, ImageResolution>, view?: ClusterViewLike): Promise<Answered> {
  const errors: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      errors.push(chunk.toString('utf8').slice(0, 500));
      done();
    },
  });
  const resolver: ImageResolver = {
    resolveAll(images) {
      const distinct = [...new Set(images.map((entry) => entry.image))];
      const resolutions = distinct.map((image): ImageResolution => answers.get(image) ?? { ok: false, image, error: 'no answer for this image' });
      return Promise.resolve({ resolutions, tiers: {}, warnings: [], pendingWrites: Promise.resolve() });
    },
  };
  // The view is handed over as read from the cluster: its taints are not checked before placement sees them.
  const clusterView = (): ClusterView | undefined => view as ClusterView | undefined;
  const admitter = createAdmitter({ config, resolver, logger: createLogger('error', sink), metrics: noopMetrics, clusterView });
  const response = await admitter(parseReview(body));
  return { response, errors };
}

export function decodePatch(response: AdmissionResponse): Operation[] | undefined {
  return response.patch === undefined ? undefined : (JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as Operation[]);
}

export interface Checked {
  violations: Violation[];
  report: string;
}

/** Admits `pod`, applies and checks the answer, admits the result again. */
export async function admitAndCheck(input: {
  configName: string;
  config: Config;
  pod: Record<string, unknown>;
  images: readonly string[];
  answers: ReadonlyMap<string, ImageResolution>;
  nodes: readonly Node[];
  view?: ClusterViewLike;
}): Promise<Checked> {
  const { config, pod, images, answers, nodes, view } = input;
  const violations: Violation[] = [];
  const allowed = allowedArchitectures(images, answers, config.defaultArch);
  let first: Answered;
  try {
    first = await admit(config, structuredClone(pod), answers, view);
  } catch (error) {
    violations.push({ rule: 'never throws', detail: `the admission threw: ${(error as Error).stack ?? String(error)}` });
    return { violations, report: formatReport({ config: input.configName, pod, images, answers, allowed, pinning: pinning(pod), patch: undefined, warnings: undefined, violations }) };
  }
  const { response } = first;
  if (first.errors.length > 0) violations.push({ rule: 'no internal error', detail: `the admission logged an error: ${first.errors[0]}` });
  if (response.allowed !== true) violations.push({ rule: 'allowed', detail: `allowed is ${JSON.stringify(response.allowed)}` });

  let patch: Operation[] | undefined;
  let patched: unknown;
  try {
    patch = decodePatch(response);
    if (patch !== undefined && response.patchType !== 'JSONPatch') violations.push({ rule: 'patch', detail: `patchType is ${JSON.stringify(response.patchType)}` });
    patched = patch === undefined ? structuredClone(pod) : fastJsonPatch.applyPatch(structuredClone(pod), patch, true, false).newDocument;
  } catch (error) {
    violations.push({ rule: 'patch applies', detail: `RFC 6902 application failed: ${(error as Error).message}` });
  }
  if (patched !== undefined) {
    violations.push(
      ...checkOutcome({ before: pod, after: patched, warnings: response.warnings ?? [], allowed, configuredTolerations: config.archTolerations, nodes, view }),
    );
    const second = await admit(config, structuredClone(patched), answers, view).catch((error: unknown) => ({ error }));
    if ('error' in second) violations.push({ rule: 'never throws', detail: `the second admission threw: ${String(second.error)}` });
    else if (second.response.patch !== undefined) {
      violations.push({ rule: 'idempotent', detail: `admitting the patched pod again yields a patch: ${JSON.stringify(abbreviate(decodePatch(second.response)))}` });
    }
  }
  const report = formatReport({ config: input.configName, pod, patched, images, answers, allowed, pinning: pinning(pod), patch, warnings: response.warnings, violations, view });
  return { violations, report };
}

type Json = Record<string, unknown>;

function applied(document: unknown, response: AdmissionResponse): unknown {
  const patch = decodePatch(response);
  return patch === undefined ? structuredClone(document) : fastJsonPatch.applyPatch(structuredClone(document), patch, true, false).newDocument;
}

const RECORDS = ['archy.io/architectures', 'archy.io/reason', 'archy.io/nodepools', 'archy.io/would-place'];
const LEFT_OUT = /annotations are close to the/;

function withoutRecords(pod: unknown): unknown {
  const copy = structuredClone(pod) as { metadata?: { annotations?: Json } };
  for (const key of RECORDS) delete copy.metadata?.annotations?.[key];
  return copy;
}

function annotationsOf(document: unknown): Json {
  return ((document as { metadata?: { annotations?: Json } }).metadata?.annotations ?? {}) as Json;
}

/** The pod without its scheduling fields and Archy's records: what audit and enforce must agree on. */
function withoutPlacement(pod: unknown): unknown {
  const copy = structuredClone(pod) as { metadata?: { annotations?: Json }; spec?: Json };
  for (const key of RECORDS) delete copy.metadata?.annotations?.[key];
  if (copy.metadata?.annotations && Object.keys(copy.metadata.annotations).length === 0) delete copy.metadata.annotations;
  for (const field of ['nodeSelector', 'affinity', 'tolerations']) delete copy.spec?.[field];
  return copy;
}

/**
 * Audit mode over the same admission: the same warnings (but for Archy's annotations being left
 * out, which audit's longer records can cause), no scheduling field changed, `archy.io/would-place`
 * what enforce placed, `archy.io/architectures` S, the same reason, and a second pass with no patch.
 */
export async function checkAudit(input: {
  config: Config;
  pod: Record<string, unknown>;
  answers: ReadonlyMap<string, ImageResolution>;
  view?: ClusterViewLike;
  enforce: AdmissionResponse;
  allowed: Allowed;
}): Promise<Violation[]> {
  const { pod, answers, view, enforce, allowed } = input;
  const config: Config = { ...input.config, mode: 'audit' };
  const violations: Violation[] = [];
  const { response } = await admit(config, structuredClone(pod), answers, view);
  const audited = applied(pod, response) as Json;
  const enforced = applied(pod, enforce) as Json;
  const spec = (value: Json): Json => (value.spec ?? {}) as Json;
  for (const field of ['nodeSelector', 'affinity', 'tolerations']) {
    if (!sameJson(spec(audited)[field], spec(pod)[field])) violations.push({ rule: 'audit: scheduling untouched', detail: `audit changed spec.${field}` });
  }
  if (!sameJson(withoutPlacement(audited), withoutPlacement(enforced))) violations.push({ rule: 'audit: same as enforce', detail: 'outside the scheduling fields and the records, audit and enforce differ' });
  const warnings = (answer: AdmissionResponse): string[] => (answer.warnings ?? []).filter((warning) => !LEFT_OUT.test(warning));
  if (!sameJson(warnings(response), warnings(enforce))) violations.push({ rule: 'audit: same warnings', detail: `audit ${JSON.stringify(response.warnings)} vs enforce ${JSON.stringify(enforce.warnings)}` });
  const [auditRecords, enforceRecords] = [annotationsOf(audited), annotationsOf(enforced)];
  const placedBy = enforceRecords['archy.io/architectures'];
  if (typeof placedBy === 'string' && !(response.warnings ?? []).some((warning) => LEFT_OUT.test(warning))) {
    if (auditRecords['archy.io/would-place'] !== placedBy) violations.push({ rule: 'audit: would-place', detail: `would-place ${JSON.stringify(auditRecords['archy.io/would-place'])}, enforce placed ${placedBy}` });
    if (auditRecords['archy.io/architectures'] !== allowed.architectures.join(',')) violations.push({ rule: 'audit: architectures', detail: `archy.io/architectures ${JSON.stringify(auditRecords['archy.io/architectures'])}, S = [${allowed.architectures.join(', ')}]` });
    if (auditRecords['archy.io/reason'] !== enforceRecords['archy.io/reason']) violations.push({ rule: 'audit: reason', detail: `reason ${JSON.stringify(auditRecords['archy.io/reason'])} vs ${JSON.stringify(enforceRecords['archy.io/reason'])}` });
  }
  if (placedBy === undefined && auditRecords['archy.io/would-place'] !== undefined) violations.push({ rule: 'audit: would-place', detail: 'audit records a placement enforce did not make' });
  const again = await admit(config, structuredClone(audited), answers, view);
  if (again.response.patch !== undefined) violations.push({ rule: 'audit: idempotent', detail: `a second pass yields a patch: ${JSON.stringify(abbreviate(decodePatch(again.response)))}` });
  return violations;
}

/**
 * The pod's spec as a DaemonSet's template: CREATE placed by the rule in the affinity form (and
 * left as it is when no image could be checked); the answer admitted again, or updated with no
 * relevant change (a label, an env variable), gives no patch; and an update to other images
 * replaces Archy's placement: the result is judged against the user's template with the new images.
 */
export async function checkDaemonSet(input: {
  config: Config;
  pod: Record<string, unknown>;
  answers: ReadonlyMap<string, ImageResolution>;
  nodes: readonly Node[];
  view?: ClusterViewLike;
  /** The image the update puts in place of each one. */
  nextImage: (image: string) => string;
}): Promise<Violation[]> {
  const { config, answers, nodes, view } = input;
  const violations: Violation[] = [];
  const daemonSet = daemonSetOf(input.pod);
  const uid = '3f1c2a9e-0000-4000-8000-0000000000d5';
  const created = await admitReview(config, daemonSetReview(uid, daemonSet), answers, view);
  if (created.errors.length > 0) violations.push({ rule: 'no internal error', detail: `the DaemonSet admission logged an error: ${created.errors[0]}` });
  const placed = applied(daemonSet, created.response) as Json;
  const imagesOf = (document: unknown): string[] => {
    const spec = (templatePod(document).spec ?? {}) as { containers?: Array<{ image: string }>; initContainers?: Array<{ image: string }> };
    return [...(spec.initContainers ?? []), ...(spec.containers ?? [])].map((container) => container.image);
  };
  /** `kept`: what the template must stay when no image could be checked. */
  const judge = (before: unknown, after: unknown, response: AdmissionResponse, step: string, kept: unknown = before): void => {
    const allowed = allowedArchitectures(imagesOf(before), answers, config.defaultArch);
    if (allowed.fallback) {
      const changed = !sameSemantics(templatePod(after), templatePod(kept));
      // A template that pins its architecture is left alone whatever its images say, as a pod is.
      const matters = pinning(templatePod(before)).kind === 'no' && nodes.some((node) => placementMatches(templatePod(before), node));
      const unwarned = matters && (response.warnings ?? []).length === 0;
      if (changed || unwarned) violations.push({ rule: 'daemonset: not checked', detail: `${step}: no image could be checked, so the template must stay as it was, with a warning` });
      return;
    }
    if ((response.warnings ?? []).some((warning) => LEFT_OUT.test(warning))) {
      // No room for Archy's record: no placement either (it could not be replaced later).
      const used = Object.entries(annotationsOf(templatePod(kept))).filter(([key]) => !RECORDS.includes(key)).reduce((sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(String(value)), 0);
      // The record is the architectures, and a reason of at most ~150 bytes (partial, pending).
      const most = Buffer.byteLength('archy.io/architectures') + Buffer.byteLength(allowed.architectures.join(',')) + Buffer.byteLength('archy.io/reason') + 150;
      if (used + most <= ANNOTATIONS_LIMIT_BYTES) violations.push({ rule: 'daemonset: no room', detail: `${step}: the record was said not to fit, but ${used} + ${most} bytes do` });
      if (!sameSemantics(withoutRecords(templatePod(after)), withoutRecords(templatePod(kept)))) violations.push({ rule: 'daemonset: no room', detail: `${step}: without room for the record, the template must not be placed` });
      return;
    }
    const found = checkOutcome({ before: templatePod(before), after: templatePod(after), warnings: response.warnings ?? [], allowed, configuredTolerations: config.archTolerations, nodes, view, workload: 'daemonset' });
    violations.push(...found.map((violation) => ({ ...violation, rule: `${step}: ${violation.rule}` })));
  };
  judge(daemonSet, placed, created.response, 'create');

  const again = await admitReview(config, daemonSetReview(uid, placed), answers, view);
  if (again.response.patch !== undefined) violations.push({ rule: 'daemonset: idempotent', detail: `admitting the placed DaemonSet again yields a patch: ${JSON.stringify(abbreviate(decodePatch(again.response)))}` });
  const unrelated = structuredClone(placed) as { metadata: Json; spec: { template: { metadata: { labels: Json }; spec: { containers: Array<Json> } } } };
  unrelated.metadata.generation = 2;
  unrelated.spec.template.metadata.labels['example.com/release'] = 'r2';
  for (const container of unrelated.spec.template.spec.containers) container.env = [{ name: 'LOG_LEVEL', value: 'debug' }];
  const update = await admitReview(config, daemonSetReview(uid, unrelated, { operation: 'UPDATE', oldObject: placed }), answers, view);
  if (update.response.patch !== undefined) violations.push({ rule: 'daemonset: no rollout', detail: `an update that changes no image or placement yields a patch: ${JSON.stringify(abbreviate(decodePatch(update.response)))}` });

  // New images: Archy's placement replaced. The tolerations the object carries count as the user's
  // (Archy cannot tell the ones it added before), so they are part of "before".
  const moved = withImages(placed, input.nextImage);
  const movedAnswer = await admitReview(config, daemonSetReview(uid, moved, { operation: 'UPDATE', oldObject: placed }), answers, view);
  const user = withImages(daemonSet, input.nextImage) as { spec: { template: { spec: Json } } };
  const carried = ((placed as { spec: { template: { spec: Json } } }).spec.template.spec.tolerations);
  if (carried !== undefined) user.spec.template.spec.tolerations = carried;
  else delete user.spec.template.spec.tolerations;
  // Not checked: a placement made for the same images stays; one made for others is taken back.
  const sameImages = sameJson([...new Set(imagesOf(placed))].sort(), [...new Set(imagesOf(moved))].sort());
  const updated = applied(moved, movedAnswer.response);
  judge(user, updated, movedAnswer.response, 'update', sameImages ? moved : user);
  // The update admitted again (reinvocation: another webhook changed the object after Archy).
  const reinvoked = await admitReview(config, daemonSetReview(uid, updated, { operation: 'UPDATE', oldObject: placed }), answers, view);
  if (reinvoked.response.patch !== undefined) violations.push({ rule: 'daemonset: idempotent update', detail: `admitting the updated DaemonSet again yields a patch: ${JSON.stringify(abbreviate(decodePatch(reinvoked.response)))}` });
  return violations;
}
