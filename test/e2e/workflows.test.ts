// The GitHub workflows parse, and every script a `run:` step names exists in this repository.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKFLOWS = join(ROOT, '.github/workflows');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
}
interface Workflow {
  name?: string;
  on?: unknown;
  jobs?: Record<string, { 'runs-on'?: string; steps?: Step[] }>;
}

const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** What a run step refers to: npm scripts, files run with bash/node, and npx binaries without a version. */
function referencesIn(run: string): { npmScripts: string[]; files: string[]; binaries: string[] } {
  const npmScripts = [...run.matchAll(/\bnpm run(?:\s+--\S+)*\s+([\w:.-]+)/g)].map((match) => match[1] as string);
  const files = [...run.matchAll(/\b(?:bash|sh|node)\s+(?:--?\S+\s+)*([\w./-]+\.(?:ts|js|mjs|sh)|\.ci\/[\w.-]+)/g)].map((match) => match[1] as string);
  const binaries = [...run.matchAll(/\bnpx\s+(?!--yes|-y|-p\b)([a-z][\w.-]*)(?=\s|$)/g)].map((match) => match[1] as string);
  return { npmScripts, files, binaries };
}

const files = readdirSync(WORKFLOWS).filter((file) => /\.ya?ml$/.test(file));

describe('GitHub workflows', () => {
  test('ci, release and deploy exist', () => {
    assert.deepEqual(files.sort(), ['ci.yml', 'deploy.yml', 'release.yml']);
  });

  for (const file of files) {
    describe(file, () => {
      const workflow = parse(readFileSync(join(WORKFLOWS, file), 'utf8')) as Workflow;

      test('parses, has triggers and jobs with a runner and steps', () => {
        assert.ok(workflow.name, 'a name (release and deploy refer to workflows by name)');
        assert.ok(workflow.on, 'triggers');
        const jobs = Object.entries(workflow.jobs ?? {});
        assert.ok(jobs.length > 0);
        for (const [name, job] of jobs) {
          assert.ok(job['runs-on'], `${name}: runs-on`);
          assert.ok((job.steps ?? []).length > 0, `${name}: steps`);
          for (const step of job.steps ?? []) {
            assert.ok(step.uses !== undefined || step.run !== undefined, `${name}: a step does something`);
            if (step.uses) assert.match(step.uses, /^[\w.-]+\/[\w./-]+@v?\d/, `${name}: ${step.uses} is pinned to a version`);
          }
        }
      });

      test('every script a run step names exists', () => {
        for (const job of Object.values(workflow.jobs ?? {})) {
          for (const step of job.steps ?? []) {
            if (!step.run) continue;
            const { npmScripts, files: paths, binaries } = referencesIn(step.run);
            for (const script of npmScripts) assert.ok(scripts[script], `npm run ${script}: no such script in package.json`);
            for (const path of paths) assert.ok(existsSync(join(ROOT, path)), `${path}: no such file`);
            for (const binary of binaries) assert.ok(existsSync(join(ROOT, 'node_modules/.bin', binary)), `npx ${binary}: not installed by npm ci`);
          }
        }
      });
    });
  }

  test('the workflows that name other workflows name ones that exist', () => {
    const names = new Set(files.map((file) => (parse(readFileSync(join(WORKFLOWS, file), 'utf8')) as Workflow).name));
    for (const file of files) {
      const on = (parse(readFileSync(join(WORKFLOWS, file), 'utf8')) as { on: { workflow_run?: { workflows: string[] } } }).on;
      for (const name of on.workflow_run?.workflows ?? []) assert.ok(names.has(name), `${file}: workflow "${name}"`);
    }
  });

  test('the deploy job is gated by an environment and assumes a role through OIDC', () => {
    const deploy = parse(readFileSync(join(WORKFLOWS, 'deploy.yml'), 'utf8')) as {
      permissions: Record<string, string>;
      jobs: Record<string, { environment?: string; steps: (Step & { with?: Record<string, string> })[] }>;
    };
    assert.equal(deploy.permissions['id-token'], 'write');
    for (const job of Object.values(deploy.jobs)) {
      assert.equal(job.environment, 'production');
      const credentials = job.steps.find((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'));
      assert.ok(credentials?.with?.['role-to-assume'], 'role-to-assume, no stored keys');
      assert.ok(!JSON.stringify(job).includes('aws-secret-access-key'));
    }
  });

  test('semantic-release attaches files that the release workflow produces or the repo holds', () => {
    const config = JSON.parse(readFileSync(join(ROOT, '.releaserc.json'), 'utf8')) as { plugins: (string | [string, { assets?: (string | { path: string })[] }])[] };
    const github = config.plugins.find((plugin) => Array.isArray(plugin) && plugin[0] === '@semantic-release/github') as [string, { assets: { path: string }[] }];
    const release = readFileSync(join(WORKFLOWS, 'release.yml'), 'utf8');
    for (const { path } of github[1].assets) {
      assert.ok(existsSync(join(ROOT, path)) || (path.startsWith('dist/package/') && release.includes('--package dist/package')), path);
    }
  });

  test('the reference finder sees npm scripts, files and npx binaries', () => {
    assert.deepEqual(referencesIn('npm run --silent lint && bash .ci/run\nnode infra/register.ts --cluster x\nnpx sls package'), {
      npmScripts: ['lint'],
      files: ['.ci/run', 'infra/register.ts'],
      binaries: ['sls'],
    });
    assert.deepEqual(referencesIn('npx --yes -p semantic-release@24 semantic-release').binaries, []);
  });
});

describe('dependency updates', () => {
  test('dependabot covers npm and GitHub Actions', () => {
    const config = parse(readFileSync(join(ROOT, '.github/dependabot.yml'), 'utf8')) as { version: number; updates: { 'package-ecosystem': string }[] };
    assert.equal(config.version, 2);
    assert.deepEqual(config.updates.map((update) => update['package-ecosystem']).sort(), ['github-actions', 'npm']);
  });
});
