// The AdmissionReview envelope: validate what the API server sent, and build the answer in the
// same API version. Nothing here decides placement.
import type { JsonPatchOp } from '../placement/index.ts';
import { clipMiddle, MAX_WARNING, printable, WARNING_PREFIX } from '../placement/index.ts';

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

const API_VERSIONS = new Map<string, ReviewVersion>([
  ['admission.k8s.io/v1', 'v1'],
  ['admission.k8s.io/v1beta1', 'v1beta1'],
]);

// The body is untrusted: a member may be a 100,000-deep array, and String() or JSON.stringify on it
// overflows the stack. So types are checked first and only strings (cut short) reach a message.

/** Validates the envelope; the pod inside is checked later (a bad pod is allowed, not refused). */
export function parseReview(body: unknown): ParsedReview {
  if (!isObject(body)) throw new BadReviewError('body is not a JSON object');
  const kind = requiredString(body.kind, 'kind', 'expected "AdmissionReview"');
  if (kind !== 'AdmissionReview') throw new BadReviewError(`kind is ${quote(kind)}, expected "AdmissionReview"`);
  const supported = 'send admission.k8s.io/v1 or admission.k8s.io/v1beta1';
  const apiVersion = requiredString(body.apiVersion, 'apiVersion', supported);
  const version = API_VERSIONS.get(apiVersion);
  if (!version) throw new BadReviewError(`apiVersion ${quote(apiVersion)} is not supported; ${supported}`);
  const request = body.request;
  if (!isObject(request)) throw new BadReviewError(request === undefined ? 'request is missing' : `request must be an object, got ${describeType(request)}`);
  const uid = requiredString(request.uid, 'request.uid', 'the answer could not be matched to the request');
  if (uid.length === 0) throw new BadReviewError('request.uid is empty: the answer could not be matched to the request');
  return {
    version,
    request: {
      uid,
      operation: requiredString(request.operation, 'request.operation', 'expected CREATE, UPDATE, DELETE or CONNECT'),
      namespace: optionalString(request.namespace),
      name: optionalString(request.name),
      subResource: optionalString(request.subResource),
      dryRun: request.dryRun === true,
      kind: groupVersionKind(request.kind),
      object: request.object,
      oldObject: request.oldObject,
    },
  };
}

function requiredString(value: unknown, name: string, hint: string): string {
  if (value === undefined || value === null) throw new BadReviewError(`${name} is missing; ${hint}`);
  if (typeof value !== 'string') throw new BadReviewError(`${name} must be a string, got ${describeType(value)}`);
  return value;
}

/** Only the string members: nothing nested is carried past the envelope. */
function groupVersionKind(value: unknown): AdmissionRequest['kind'] {
  if (!isObject(value)) return undefined;
  // The core group is "": kept as it came.
  const text = (member: unknown): string | undefined => (typeof member === 'string' ? member : undefined);
  return { group: text(value.group), version: text(value.version), kind: text(value.kind) };
}

/** A string for a message: quoted, and cut short (the body may hold a megabyte of it). */
function quote(value: string): string {
  return value.length > 100 ? `${JSON.stringify(value.slice(0, 100))}…` : JSON.stringify(value);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
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

// The API server relays warnings to kubectl as-is; it asks for at most 256 characters each.
const MAX_WARNINGS = 10;

function tidyWarnings(warnings: string[]): string[] {
  const unique = [...new Set(warnings.map((w) => printable(w.startsWith(WARNING_PREFIX) ? w.slice(WARNING_PREFIX.length) : w)).filter(Boolean))];
  const kept = unique.slice(0, MAX_WARNINGS);
  if (unique.length > MAX_WARNINGS) kept[MAX_WARNINGS - 1] = `${unique.length - MAX_WARNINGS + 1} more warnings in the webhook's logs`;
  return kept.map((w) => `${WARNING_PREFIX}${clipMiddle(w, MAX_WARNING)}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
