// esbuild plugins of the Lambda bundle (serverless.yml custom.esbuild.plugins).
//
// `import … from 'node:<module>'` in the bundle becomes the CommonJS module itself
// (process.getBuiltinModule). An ES import of a Node builtin makes Node build a module namespace
// for it, reading every export: for node:crypto that is ~4.5 ms of CPU, for node:fs ~2 ms, and for
// node:http it runs three getters (WebSocket, CloseEvent, MessageEvent) that load Node's internal
// undici, ~35 ms. At the deployed CPU share each millisecond of CPU is several of wall time on a
// cold start (docs/BENCHMARKS.md, "Cold instance"). Dynamic imports and require() are left alone.
import type { Plugin } from 'esbuild';

const NAMESPACE = 'archy-node-builtin';
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

export const builtinsAsCommonJs: Plugin = {
  name: 'archy-builtins-as-commonjs',
  setup(build) {
    build.onResolve({ filter: /^node:[a-z_/]+$/ }, (args) => (args.kind === 'import-statement' ? { path: args.path, namespace: NAMESPACE } : undefined));
    build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({ contents: shimFor(args.path), loader: 'js' }));
  },
};

/**
 * The module as default export, and each member as a named export read only when something
 * imports it: the reads are marked pure, so esbuild drops the unused ones (a getter such as
 * node:http's WebSocket is never run unless asked for).
 */
export function shimFor(id: string): string {
  const module = process.getBuiltinModule(id) as Record<string, unknown> | undefined;
  if (module === undefined) throw new Error(`${id} is not a Node builtin`);
  const names = Object.getOwnPropertyNames(module).filter((name) => name !== 'default' && IDENTIFIER.test(name));
  return [
    `const builtin = process.getBuiltinModule(${JSON.stringify(id)});`,
    'const member = (name) => builtin[name];',
    'export default builtin;',
    ...names.map((name) => `export const ${name} = /* @__PURE__ */ member(${JSON.stringify(name)});`),
  ].join('\n');
}

export default [builtinsAsCommonJs];
