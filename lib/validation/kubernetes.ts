// Kubernetes API-server validation, mirrored as pure functions (k8s.io/apimachinery
// IsValidLabelValue, IsQualifiedName, IsDNS1123Label; pkg/apis/core/validation ValidateTolerations),
// so that what Archy writes into a pod is checked before the API server sees it.
//
// Hand-written rather than a schema library (valibot, zod): the rules are a few regular expressions
// and two cross-field conditions with Kubernetes' own wording; a library would add a dependency and
// cold-start cost and still need every rule written as a custom check.

const LABEL_VALUE_MAX = 63;
const DNS1123_LABEL_MAX = 63;
const DNS1123_SUBDOMAIN_MAX = 253;
const ARCHITECTURE_MAX = 16;

const LABEL_VALUE = /^(?:(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_LABEL = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;
const ARCHITECTURE = /^[a-z0-9_]+$/;

/** The GOARCH names Linux nodes report in `kubernetes.io/arch`. */
export const KUBERNETES_ARCHITECTURES: readonly string[] = Object.freeze([
  'amd64', 'arm64', 'arm', '386', 'ppc64le', 'ppc64', 's390x', 'riscv64', 'loong64',
  'mips64le', 'mips64', 'mipsle', 'mips',
]);

/** Common spellings (uname, Debian, vendor names) that Kubernetes does not use → its name. */
export const ARCHITECTURE_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  x86_64: 'amd64', 'x86-64': 'amd64', x64: 'amd64', amd: 'amd64',
  aarch64: 'arm64', arm64v8: 'arm64', armv8: 'arm64',
  armhf: 'arm', armel: 'arm', armv7: 'arm', armv7l: 'arm', armv6l: 'arm', arm32: 'arm',
  i386: '386', i686: '386', x86: '386',
  ppc64el: 'ppc64le',
});

const TOLERATION_FIELDS: readonly string[] = ['key', 'operator', 'value', 'effect', 'tolerationSeconds'];
const OPERATORS: readonly unknown[] = ['Equal', 'Exists'];
const EFFECTS: readonly unknown[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** A label value: empty, or up to 63 alphanumerics, `-`, `_`, `.`, starting and ending alphanumeric. */
export function isLabelValue(value: string): boolean {
  return typeof value === 'string' && value.length <= LABEL_VALUE_MAX && LABEL_VALUE.test(value);
}

/** A label key: `[dns-subdomain/]name`, the name up to 63 characters. */
export function isQualifiedName(value: string): boolean {
  if (typeof value !== 'string') return false;
  const parts = value.split('/');
  if (parts.length > 2) return false;
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) return false;
  return name !== undefined && name.length <= LABEL_VALUE_MAX && QUALIFIED_NAME.test(name);
}

/** A DNS-1123 label (namespace names): up to 63 lowercase alphanumerics and `-`, alphanumeric at both ends. */
export function isDns1123Label(value: string): boolean {
  return typeof value === 'string' && value.length <= DNS1123_LABEL_MAX && DNS1123_LABEL.test(value);
}

function isDns1123Subdomain(value: string): boolean {
  return value.length <= DNS1123_SUBDOMAIN_MAX && DNS1123_SUBDOMAIN.test(value);
}

/**
 * Whether a registry's `platform.architecture` may be written into a pod: a short GOARCH-like name
 * that is also a label value. Names Kubernetes does not list (`sparc64`) still pass.
 */
export function isPlausibleArchitecture(value: string): boolean {
  return typeof value === 'string' && value.length <= ARCHITECTURE_MAX && ARCHITECTURE.test(value) && isLabelValue(value);
}

/**
 * Every reason the API server would refuse this toleration; empty when it is valid. As there, an
 * empty `operator` means `Equal` and an empty `effect` means every effect.
 */
export function tolerationProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['a toleration must be an object'];
  const toleration = value as Record<string, unknown>;
  const unknown = Object.keys(toleration)
    .filter((field) => !TOLERATION_FIELDS.includes(field))
    .map((field) => `unknown field ${quote(field)} (allowed: ${TOLERATION_FIELDS.join(', ')})`);
  return [...unknown, ...keyProblems(toleration), ...operatorProblems(toleration), ...effectProblems(toleration)];
}

function keyProblems({ key, operator }: Record<string, unknown>): string[] {
  if (key === undefined || key === '') return operator === 'Exists' ? [] : ['key may be empty only with operator "Exists"'];
  if (typeof key !== 'string') return ['key must be a string'];
  return isQualifiedName(key) ? [] : [`key ${quote(key)} is not a valid label key`];
}

function operatorProblems({ operator, value }: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (operator !== undefined && operator !== '' && !OPERATORS.includes(operator)) problems.push('operator must be "Equal" or "Exists"');
  if (value === undefined) return problems;
  if (typeof value !== 'string') {
    problems.push('value must be a string');
  } else if (operator === 'Exists') {
    if (value !== '') problems.push('value must be empty with operator "Exists"');
  } else if (!isLabelValue(value)) {
    problems.push(`value ${quote(value)} is not a valid label value (at most 63 letters, digits, "-", "_", ".", starting and ending with a letter or digit)`);
  }
  return problems;
}

function effectProblems({ effect, tolerationSeconds }: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (effect !== undefined && effect !== '' && !EFFECTS.includes(effect)) {
    problems.push('effect must be "NoSchedule", "PreferNoSchedule" or "NoExecute"');
  }
  if (tolerationSeconds === undefined) return problems;
  if (!Number.isSafeInteger(tolerationSeconds)) problems.push('tolerationSeconds must be an integer');
  if (effect !== 'NoExecute') problems.push('tolerationSeconds needs effect "NoExecute"');
  return problems;
}

function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
