// The AdmissionReview envelope: validate what the API server sent, and build the answer in the
// same API version. Nothing here decides placement.
import type { JsonPatchOp } from '../placement/index.ts';

export type ReviewVersion = 'v1' | 'v1beta1';

export interface AdmissionRequest {
  uid: string;
  operation: string;
  namespace?: string;
  name?: string;
  subResource?: string;
  dryRun?: boolean;
  kind?: { group?: string; version?: string; kind?: string };
  object?: unknown;
  oldObject?: unknown;
}

export interface ParsedReview {
  version: ReviewVersion;
  request: AdmissionRequest;
}

export interface AdmissionResponse {
  uid: string;
  allowed: true;
  patchType?: 'JSONPatch';
  patch?: string;
  warnings?: string[];
}

/** A request we refuse to read: the HTTP layer answers 4xx with `message` as the reason. */
export class BadReviewError extends Error {
  readonly status: number;
  constructor(message: string, status = 400) {
    super(message);
    this.name = 'BadReviewError';
    this.status = status;
  }
}

const API_VERSIONS: Record<string, ReviewVersion> = {
  'admission.k8s.io/v1': 'v1',
  'admission.k8s.io/v1beta1': 'v1beta1',
};

/** Validates the envelope; the pod inside is checked later (a bad pod is allowed, not refused). */
export function parseReview(body: unknown): ParsedReview {
  if (!isObject(body)) throw new BadReviewError('body is not a JSON object');
  if (body.kind !== 'AdmissionReview') {
    throw new BadReviewError(`kind is ${JSON.stringify(body.kind ?? null)}, expected "AdmissionReview"`);
  }
  const version = API_VERSIONS[String(body.apiVersion)];
  if (!version) {
    throw new BadReviewError(
      `apiVersion ${JSON.stringify(body.apiVersion ?? null)} is not supported; send admission.k8s.io/v1 or admission.k8s.io/v1beta1`,
    );
  }
  const request = body.request;
  if (!isObject(request)) throw new BadReviewError('request is missing');
  if (typeof request.uid !== 'string' || request.uid.length === 0) {
    throw new BadReviewError('request.uid is missing: the answer could not be matched to the request');
  }
  if (typeof request.operation !== 'string') throw new BadReviewError('request.operation is missing');
  return {
    version,
    request: {
      uid: request.uid,
      operation: request.operation,
      namespace: optionalString(request.namespace),
      name: optionalString(request.name),
      subResource: optionalString(request.subResource),
      dryRun: request.dryRun === true,
      kind: isObject(request.kind) ? (request.kind as AdmissionRequest['kind']) : undefined,
      object: request.object,
      oldObject: request.oldObject,
    },
  };
}

/** The answer: always allowed; a patch only when there is something to change. */
export function buildResponse(uid: string, patch: JsonPatchOp[] | undefined, warnings: string[]): AdmissionResponse {
  const response: AdmissionResponse = { uid, allowed: true };
  if (patch && patch.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(patch)).toString('base64');
  }
  const cleaned = tidyWarnings(warnings);
  if (cleaned.length > 0) response.warnings = cleaned;
  return response;
}

export function wrapResponse(version: ReviewVersion, response: AdmissionResponse): Record<string, unknown> {
  return { apiVersion: `admission.k8s.io/${version}`, kind: 'AdmissionReview', response };
}

// The API server relays warnings to kubectl as-is; it asks for short ones and caps the total.
const MAX_WARNINGS = 10;
const MAX_WARNING_LENGTH = 256;

function tidyWarnings(warnings: string[]): string[] {
  const unique = [...new Set(warnings.map((w) => w.replace(/\s+/g, ' ').trim()).filter(Boolean))];
  const kept = unique.slice(0, MAX_WARNINGS).map((w) => (w.length > MAX_WARNING_LENGTH ? `${w.slice(0, MAX_WARNING_LENGTH - 1)}…` : w));
  if (unique.length > MAX_WARNINGS) kept[MAX_WARNINGS - 1] = `archy: ${unique.length - MAX_WARNINGS + 1} more warnings in the webhook's logs`;
  return kept.map((w) => (w.startsWith('archy:') ? w : `archy: ${w}`));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
