// What the resolver needs from the registry side (RegistryClient satisfies it); injectable in tests.
import type { Deadline } from '../deadline.ts';
import type { ImageReference, Platform, RegistryCredential } from '../types.ts';

/** Requests one admission may still send, per registry (lib/limits.ts). */
export interface RequestBudget {
  /** False when `registry` has had its share: the request is not sent. */
  take(registry: string): boolean;
}

/** The repositories one admission looks up, per registry API host: one token request can ask for all. */
export interface ScopePlan {
  repositories(registry: string): string[];
}

export interface SourceOptions {
  deadline: Deadline;
  credentials?: RegistryCredential[];
  budget?: RequestBudget;
  plan?: ScopePlan;
}

export interface SourceAnswer {
  digest: string;
  platforms: Platform[];
  mediaType: string;
}

export interface PlatformSource {
  /** One manifest GET (plus a config blob for single-arch images). */
  resolve(ref: ImageReference, options: SourceOptions): Promise<SourceAnswer>;
  /** Manifest HEAD: the digest a tag points to now (no Docker Hub pull counted). */
  headDigest(ref: ImageReference, options: SourceOptions): Promise<string>;
  /**
   * These may be looked up next (the cache is being asked first): start what need not wait for
   * that answer. Never waits, never fails.
   */
  prepare?(refs: readonly ImageReference[], deadline: Deadline): void;
}
