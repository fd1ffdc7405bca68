// An in-memory registry for resolver tests: canonical tag/digest → answer, counting every call.
import type { PlatformSource, SourceAnswer, SourceOptions } from '../../../lib/resolver/source.ts';
import type { ImageReference, Platform } from '../../../lib/types.ts';

export const linux = (architecture: string, variant?: string): Platform =>
  variant ? { os: 'linux', architecture, variant } : { os: 'linux', architecture };

/** Shaped like the registry client's RegistryError: the resolver reads `kind`. */
export class FakeRegistryError extends Error {
  readonly kind: string;
  constructor(kind: string, message: string) {
    super(message);
    this.kind = kind;
  }
}

export class FakeSource implements PlatformSource {
  /** `registry/repo:tag` → digest. */
  readonly tags = new Map<string, string>();
  /** digest → platforms. */
  readonly manifests = new Map<string, Platform[]>();
  /** When set, every call fails with it. */
  failure: Error | undefined;
  /** When set, calls wait this long (or until aborted) before answering. */
  delayMs = 0;
  readonly resolveCalls: string[] = [];
  readonly headCalls: string[] = [];
  readonly seenCredentials: Array<SourceOptions['credentials']> = [];
  /** `registry/repo` → the password a basic credential must present; anything else is refused (401). */
  readonly protectedRepositories = new Map<string, string>();

  /** Points `registry/repo:tag` at a new manifest with these platforms. */
  push(name: string, tag: string, platforms: Platform[]): string {
    const digest = `sha256:${(this.manifests.size + 1).toString(16).padStart(64, '0')}`;
    this.manifests.set(digest, platforms);
    this.tags.set(`${name}:${tag}`, digest);
    return digest;
  }

  get calls(): number {
    return this.resolveCalls.length + this.headCalls.length;
  }

  async resolve(ref: ImageReference, options: SourceOptions): Promise<SourceAnswer> {
    this.resolveCalls.push(ref.canonical);
    this.seenCredentials.push(options.credentials);
    await this.#wait(options);
    this.#authorize(ref, options);
    const digest = this.#digestOf(ref);
    const platforms = this.manifests.get(digest);
    if (platforms === undefined) throw new FakeRegistryError('not-found', `manifest unknown: ${ref.canonical}`);
    return { digest, platforms, mediaType: 'application/vnd.oci.image.index.v1+json' };
  }

  async headDigest(ref: ImageReference, options: SourceOptions): Promise<string> {
    this.headCalls.push(ref.canonical);
    await this.#wait(options);
    this.#authorize(ref, options);
    return this.#digestOf(ref);
  }

  #digestOf(ref: ImageReference): string {
    const digest = ref.digest ?? this.tags.get(`${ref.registry}/${ref.repository}:${ref.tag ?? 'latest'}`);
    if (digest === undefined) throw new FakeRegistryError('not-found', `manifest unknown: ${ref.canonical}`);
    return digest;
  }

  #authorize(ref: ImageReference, options: SourceOptions): void {
    const password = this.protectedRepositories.get(`${ref.registry}/${ref.repository}`);
    if (password === undefined) return;
    if (options.credentials?.some((c) => c.kind === 'basic' && c.password === password)) return;
    throw new FakeRegistryError('unauthorized', `registry ${ref.registry} answered 401: authentication required`);
  }

  async #wait(options: SourceOptions): Promise<void> {
    if (this.delayMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.delayMs);
        options.deadline.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
    }
    if (this.failure) throw this.failure;
  }
}
