// Registry client calls as the registry tests make them: one lookup with a budget of its own, and
// the RegistryError a lookup failed with.
import assert from 'node:assert/strict';
import { Deadline } from '../../../lib/deadline.ts';
import { parseReference } from '../../../lib/image/reference.ts';
import { RegistryError, type LookupOptions, type RegistryClient, type Resolved } from '../../../lib/registry/client.ts';

export async function resolveWithin(client: RegistryClient, image: string, options: Partial<LookupOptions> = {}, budgetMs = 5000): Promise<Resolved> {
  const deadline = new Deadline(budgetMs);
  try {
    return await client.resolve(parseReference(image), { ...options, deadline });
  } finally {
    deadline.dispose();
  }
}

export async function failureOf(promise: Promise<unknown>): Promise<RegistryError> {
  const error = await promise.then(
    () => assert.fail('expected a RegistryError'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof RegistryError, String(error));
  return error;
}
