// One admission through the real path (createAdmitter, real configuration) with a stub resolver
// that returns given registry answers; then the patch applied by an independent RFC 6902
// implementation, the rules checked, and the patched pod admitted again (idempotence).
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
import { allowedArchitectures, checkOutcome, pinning, type Violation } from './placement-rules.ts';
import { abbreviate, formatReport } from './report.ts';
import type { Node } from './scheduling.ts';

export interface Answered {
  response: AdmissionResponse;
  /** Error lines the admission logged (an error inside Archy, answered fail-open). */
  errors: string[];
}

export async function admit(config: Config, pod: unknown, answers: ReadonlyMap<string, ImageResolution>, view?: ClusterViewLike): Promise<Answered> {
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
  const review = parseReview(podAdmissionReview('3f1c2a9e-0000-4000-8000-000000000001', pod, { namespace: 'default' }));
  const response = await admitter(review);
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
