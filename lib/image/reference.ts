// Image references, parsed and normalised the way Docker and containerd do
// (distribution/reference ParseNormalizedNamed + TagNameOnly).
import type { ImageReference } from '../types.ts';

export class InvalidReferenceError extends Error {
  readonly reason: string;
  readonly input: string;
  constructor(input: string, reason: string) {
    super(`invalid image reference "${truncate(input)}": ${reason}`);
    this.name = 'InvalidReferenceError';
    this.reason = reason;
    this.input = input;
  }
}

const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_API = 'registry-1.docker.io';
const LEGACY_DOCKER_HUB = 'index.docker.io';
const NAME_TOTAL_LENGTH_MAX = 255;

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6_LITERAL = '\\[[a-fA-F0-9:]+\\]';
const DOMAIN = new RegExp(`^(?:${DOMAIN_NAME}|${IPV6_LITERAL})(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;
const IMAGE_ID = /^[a-f0-9]{64}$/;
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha512: 128 };

/** Parses a reference as a user writes it in a pod spec and returns its fully qualified form. */
export function parseReference(input: string): ImageReference {
  if (typeof input !== 'string' || input.length === 0) throw new InvalidReferenceError(String(input), 'the reference is empty');
  if (input.trim() !== input) throw new InvalidReferenceError(input, 'the reference has leading or trailing spaces');
  if (IMAGE_ID.test(input)) {
    throw new InvalidReferenceError(input, 'a 64-character hexadecimal string is an image ID, not a repository name');
  }

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = parseDigest(input, rest.slice(at + 1));
    rest = rest.slice(0, at);
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) {
      throw new InvalidReferenceError(input, `tag "${truncate(tag)}" must be 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"`);
    }
  }
  if (rest.length === 0) throw new InvalidReferenceError(input, 'the repository name is empty');

  const { registry, repository } = splitRegistry(input, rest);
  const name = `${registry}/${repository}`;
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw new InvalidReferenceError(input, `the repository name is longer than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  if (tag === undefined && digest === undefined) tag = 'latest';

  const canonical = `${name}${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}`;
  const reference: ImageReference = { registry, repository, canonical };
  if (tag !== undefined) reference.tag = tag;
  if (digest !== undefined) reference.digest = digest;
  return reference;
}

/** The host that serves the registry API for a registry as named in references. */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
}

function splitRegistry(input: string, name: string): { registry: string; repository: string } {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const hasRegistry = slash !== -1 && (first.includes('.') || first.includes(':') || first === 'localhost');

  let registry = DOCKER_HUB;
  let repository = name;
  if (hasRegistry) {
    if (!DOMAIN.test(first)) throw new InvalidReferenceError(input, `registry host "${truncate(first)}" is not a valid host[:port]`);
    registry = first.toLowerCase();
    repository = name.slice(slash + 1);
    if (registry === LEGACY_DOCKER_HUB) registry = DOCKER_HUB;
  }
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;

  for (const component of repository.split('/')) {
    if (PATH_COMPONENT.test(component)) continue;
    if (component.length === 0) throw new InvalidReferenceError(input, 'the repository path has an empty component');
    if (PATH_COMPONENT.test(component.toLowerCase())) {
      throw new InvalidReferenceError(input, `repository name must be lowercase ("${truncate(component)}")`);
    }
    throw new InvalidReferenceError(
      input,
      `repository path component "${truncate(component)}" may only hold lowercase letters and digits separated by ".", "_", "__" or "-"`,
    );
  }
  return { registry, repository };
}

function parseDigest(input: string, value: string): string {
  const colon = value.indexOf(':');
  const algorithm = colon === -1 ? '' : value.slice(0, colon);
  const hex = value.slice(colon + 1);
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (colon === -1 || length === undefined) {
    throw new InvalidReferenceError(input, 'the digest must be sha256:<64 hex> or sha512:<128 hex>');
  }
  if (hex.length !== length || !/^[a-f0-9]+$/.test(hex)) {
    throw new InvalidReferenceError(input, `a ${algorithm} digest has exactly ${length} lowercase hexadecimal characters`);
  }
  return value;
}

function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}
