// Assertions on patched pods shared by the property and fuzz suites.
import assert from 'node:assert/strict';

/**
 * Every value of `original` is still in `patched` at the same place (arrays may have grown).
 * `rewritable` lists annotation names the patch may legitimately replace.
 */
export function assertKept(original: unknown, patched: unknown, rewritable: readonly string[] = [], path = ''): void {
  if (Array.isArray(original)) {
    assert.ok(Array.isArray(patched) && patched.length >= original.length, `array shrank at ${path}`);
    original.forEach((item, index) => assertKept(item, (patched as unknown[])[index], rewritable, `${path}/${index}`));
  } else if (typeof original === 'object' && original !== null) {
    assert.ok(typeof patched === 'object' && patched !== null, `object lost at ${path}`);
    for (const [name, item] of Object.entries(original)) {
      if (path === '/metadata/annotations' && rewritable.includes(name)) continue;
      assertKept(item, (patched as Record<string, unknown>)[name], rewritable, `${path}/${name}`);
    }
  } else {
    assert.equal(patched, original, `value changed at ${path}`);
  }
}
