// What the API server accepts, written for the tests from Kubernetes' own validation
// (apimachinery/pkg/util/validation, pkg/apis/core/validation), independent of lib/.
// The OpenAPI schema (kubernetes-models) checks shapes and enums; the functions here add the
// rules the schema does not carry: qualified names, label values, selector operators, tolerations,
// the 256 KiB annotation budget, and what a webhook warning may be.
import { Pod } from 'kubernetes-models/v1';

/** `metadata.annotations` total (key + value bytes) the API server accepts: 256 KiB. */
export const ANNOTATIONS_LIMIT_BYTES = 256 * 1024;
/** Archy's own rule for one warning, `archy: ` prefix included (the API server truncates beyond). */
export const WARNING_MAX_CHARACTERS = 256;
export const WARNINGS_MAX = 10;

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

/** `IsQualifiedName`: `[prefix/]name`, prefix a DNS subdomain, name ≤ 63 characters. */
export function isQualifiedName(value: string): boolean {
  const parts = value.split('/');
  if (parts.length > 2) return false;
  const name = parts.length === 2 ? (parts[1] as string) : value;
  if (parts.length === 2 && !isDns1123Subdomain(parts[0] as string)) return false;
  return name.length > 0 && name.length <= 63 && QUALIFIED_NAME.test(name);
}

/** `IsValidLabelValue`: empty, or ≤ 63 characters of `[A-Za-z0-9._-]` starting and ending alphanumeric. */
export function isLabelValue(value: unknown): boolean {
  return typeof value === 'string' && value.length <= 63 && LABEL_VALUE.test(value);
}

/** `strconv.ParseInt(value, 10, 64)` succeeds. */
export function isInt64(value: unknown): boolean {
  if (typeof value !== 'string' || !/^[+-]?\d+$/.test(value)) return false;
  const parsed = BigInt(value);
  return parsed >= -(2n ** 63n) && parsed < 2n ** 63n;
}

type Json = Record<string, unknown>;

function record(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Every problem the API server would report for this pod (schema + the rules above), as `path: text`. */
export function podProblems(pod: unknown): string[] {
  return [...schemaProblems(pod), ...annotationProblems(pod), ...schedulingProblems(pod)];
}

export function schemaProblems(pod: unknown): string[] {
  try {
    new Pod(pod as ConstructorParameters<typeof Pod>[0]).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: Array<{ instancePath?: string; message?: string }> }).errors;
    if (!Array.isArray(errors)) return [`schema: ${(error as Error).message}`];
    return errors.map((item) => `schema ${item.instancePath ?? ''}: ${item.message ?? '?'}`);
  }
}

/** `ValidateAnnotations`: qualified-name keys, and key + value bytes summed ≤ 256 KiB. */
export function annotationProblems(pod: unknown): string[] {
  const annotations = record(record(record(pod)?.metadata)?.annotations) ?? {};
  const problems: string[] = [];
  let total = 0;
  for (const [key, value] of Object.entries(annotations)) {
    if (!isQualifiedName(key.toLowerCase())) problems.push(`metadata.annotations: key ${JSON.stringify(key)} is not a qualified name`);
    total += Buffer.byteLength(key) + Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value));
  }
  if (total > ANNOTATIONS_LIMIT_BYTES) problems.push(`metadata.annotations: ${total} bytes, over the limit of ${ANNOTATIONS_LIMIT_BYTES}`);
  return problems;
}

/** nodeSelector, node affinity and tolerations: `ValidatePodSpec`'s scheduling part. */
export function schedulingProblems(pod: unknown): string[] {
  const spec = record(record(pod)?.spec) ?? {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(record(spec.nodeSelector) ?? {})) {
    if (!isQualifiedName(key)) problems.push(`spec.nodeSelector: key ${JSON.stringify(key)} is not a qualified name`);
    if (!isLabelValue(value)) problems.push(`spec.nodeSelector[${key}]: ${JSON.stringify(value)} is not a valid label value`);
  }
  const nodeAffinity = record(record(spec.affinity)?.nodeAffinity);
  const required = nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required !== undefined && required !== null) {
    const terms = list(record(required)?.nodeSelectorTerms);
    const path = 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms';
    if (terms.length === 0) problems.push(`${path}: must have at least one node selector term`);
    terms.forEach((term, index) => problems.push(...termProblems(term, `${path}[${index}]`)));
  }
  list(nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution).forEach((entry, index) => {
    const path = `spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[${index}]`;
    const weight = record(entry)?.weight;
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 1 || weight > 100) problems.push(`${path}.weight: ${String(weight)} is not in 1-100`);
    problems.push(...termProblems(record(entry)?.preference, `${path}.preference`));
  });
  list(spec.tolerations).forEach((toleration, index) => problems.push(...tolerationProblems(toleration, `spec.tolerations[${index}]`)));
  return problems;
}

function termProblems(term: unknown, path: string): string[] {
  const problems: string[] = [];
  list(record(term)?.matchExpressions).forEach((requirement, index) => problems.push(...requirementProblems(requirement, `${path}.matchExpressions[${index}]`)));
  list(record(term)?.matchFields).forEach((requirement, index) => problems.push(...fieldProblems(requirement, `${path}.matchFields[${index}]`)));
  return problems;
}

/**
 * `ValidateNodeSelectorRequirement`, plus label values for In/NotIn (the scheduler cannot build a
 * selector from anything else, so such a term would match nothing) and integers for Gt/Lt.
 */
export function requirementProblems(requirement: unknown, path: string): string[] {
  const { key, operator, values } = record(requirement) ?? {};
  const problems: string[] = [];
  const given = list(values);
  if (typeof key !== 'string' || !isQualifiedName(key)) problems.push(`${path}.key: ${JSON.stringify(key)} is not a qualified name`);
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (given.length === 0) problems.push(`${path}.values: required when operator is ${operator}`);
      for (const value of given) if (!isLabelValue(value)) problems.push(`${path}.values: ${JSON.stringify(value)} is not a valid label value`);
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (given.length > 0) problems.push(`${path}.values: forbidden when operator is ${operator}`);
      break;
    case 'Gt':
    case 'Lt':
      if (given.length !== 1 || !isInt64(given[0])) problems.push(`${path}.values: exactly one integer when operator is ${operator}`);
      break;
    default:
      problems.push(`${path}.operator: ${JSON.stringify(operator)} is not one of ${SELECTOR_OPERATORS.join(', ')}`);
  }
  return problems;
}

/** `ValidateNodeFieldSelectorRequirement`: metadata.name, In/NotIn, exactly one node name. */
function fieldProblems(requirement: unknown, path: string): string[] {
  const { key, operator, values } = record(requirement) ?? {};
  const problems: string[] = [];
  if (key !== 'metadata.name') problems.push(`${path}.key: ${JSON.stringify(key)} is not a valid field selector key`);
  if (operator !== 'In' && operator !== 'NotIn') problems.push(`${path}.operator: ${JSON.stringify(operator)} is not valid for a field selector`);
  const given = list(values);
  if (given.length !== 1) problems.push(`${path}.values: must be exactly one value`);
  for (const value of given) if (typeof value !== 'string' || !isDns1123Subdomain(value)) problems.push(`${path}.values: ${JSON.stringify(value)} is not a node name`);
  return problems;
}

/** `validateTolerations`. */
export function tolerationProblems(toleration: unknown, path: string): string[] {
  const { key = '', operator = '', value = '', effect = '', tolerationSeconds } = record(toleration) ?? {};
  const problems: string[] = [];
  if (typeof key !== 'string' || (key !== '' && !isQualifiedName(key))) problems.push(`${path}.key: ${JSON.stringify(key)} is not a qualified name`);
  if (key === '' && operator !== 'Exists') problems.push(`${path}.operator: must be Exists when key is empty`);
  if (tolerationSeconds !== undefined && tolerationSeconds !== null && effect !== 'NoExecute') problems.push(`${path}.effect: must be NoExecute when tolerationSeconds is set`);
  if (operator === 'Equal' || operator === '') {
    if (!isLabelValue(value)) problems.push(`${path}.value: ${JSON.stringify(value)} is not a valid label value`);
  } else if (operator === 'Exists') {
    if (value !== '') problems.push(`${path}.value: must be empty when operator is Exists`);
  } else {
    problems.push(`${path}.operator: ${JSON.stringify(operator)} is not Equal or Exists`);
  }
  if (effect !== '' && !TAINT_EFFECTS.includes(effect as string)) problems.push(`${path}.effect: ${JSON.stringify(effect)} is not a taint effect`);
  return problems;
}

/**
 * What the API server relays to kubectl: it drops a warning with control characters or invalid
 * UTF-8 (`NewWarningHeader`) and truncates long or many ones; Archy's own rule is stricter:
 * at most 10, each at most 256 characters including the `archy: ` prefix.
 */
export function warningProblems(warnings: readonly string[] | undefined): string[] {
  const given = warnings ?? [];
  const problems: string[] = [];
  if (given.length > WARNINGS_MAX) problems.push(`${given.length} warnings, more than ${WARNINGS_MAX}`);
  given.forEach((warning, index) => {
    const characters = [...warning].length;
    if (typeof warning !== 'string' || warning.trim() === '') problems.push(`warning ${index} is empty`);
    if (characters > WARNING_MAX_CHARACTERS) problems.push(`warning ${index} has ${characters} characters, more than ${WARNING_MAX_CHARACTERS}: ${JSON.stringify(warning.slice(0, 60))}…`);
    if (/\p{Cc}/u.test(warning)) problems.push(`warning ${index} has a control character (the API server drops it): ${JSON.stringify(warning.slice(0, 120))}`);
    if (!warning.isWellFormed()) problems.push(`warning ${index} is not valid Unicode (a lone surrogate): ${JSON.stringify(warning.slice(-20))}`);
  });
  return problems;
}
