// The exports of a CommonJS package loaded with `await import()`. Run by Node from source, the module
// namespace carries the package's named exports. In the Lambda bundle (esbuild, ES modules with code
// splitting) such a package becomes a chunk whose only export is `default` (its module.exports), so
// the named exports of the namespace are undefined: `const { EKSClient } = await import(…)` gives
// undefined there and works everywhere else. test/e2e/package.test.ts runs the packaged bundle.
export function namedOrDefault<T extends object>(module: T): T {
  const fallback = (module as { default?: T }).default;
  return Object.values(module).some((value) => typeof value === 'function') || fallback === undefined ? module : fallback;
}
