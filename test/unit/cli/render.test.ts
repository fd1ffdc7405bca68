// The renderers: the table a terminal shows, and the HTML page, which must stay inert whatever a
// manifest or a registry put in names, images and errors.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { formatCpu, formatMemory, formatShare, terminalSafe } from '../../../lib/cli/render/format.ts';
import { renderHtml } from '../../../lib/cli/render/html.ts';
import { SCRIPT } from '../../../lib/cli/render/html-assets.ts';
import { renderTable } from '../../../lib/cli/render/table.ts';
import { buildReport } from '../../../lib/cli/report/build.ts';
import type { ImageAnswer } from '../../../lib/cli/resolution/resolve-images.ts';
import type { Workload } from '../../../lib/cli/workloads/workload.ts';

const HOSTILE = '<script>alert(1)</script>';
const ATTRIBUTE = '"><img src=x onerror=alert(2)>';

function workload(namespace: string, name: string, images: string[], replicas = 1, cpuMillis = 500): Workload {
  return { kind: 'Deployment', namespace, name, source: 'x.yaml', replicas, perReplica: { cpuMillis, memoryBytes: 2 ** 30 }, images, access: { namespace, imagePullSecrets: [] } };
}

const answers = new Map<string, ImageAnswer>([
  ['app:1', { ok: true, image: 'app:1', canonical: 'docker.io/library/app:1', digest: 'sha256:0', platforms: ['linux/amd64', 'linux/arm64'], architectures: ['amd64', 'arm64'], source: 'registry', warnings: [] }],
  ['old:1', { ok: true, image: 'old:1', canonical: 'docker.io/library/old:1', digest: 'sha256:1', platforms: ['linux/amd64'], architectures: ['amd64'], source: 'cache', warnings: [`stale \u001b[31m${HOSTILE}`] }],
  [ATTRIBUTE, { ok: false, image: ATTRIBUTE, error: `invalid image reference "${ATTRIBUTE}" </td></tr></table>${HOSTILE}`, warnings: [] }],
]);

const report = buildReport(
  [workload('shop', 'web', ['app:1'], 3), workload(ATTRIBUTE, HOSTILE, ['old:1', ATTRIBUTE], 2, 1500), workload('shop', 'legacy\u001b]0;pwned\u0007', ['old:1'])],
  answers,
  { input: { kind: 'manifests', paths: [`${HOSTILE}.yaml`] }, pricing: { vcpuHourPrice: 0.048, priceRatio: 0.8 }, warnings: [HOSTILE], now: new Date('2025-03-01T10:00:00Z') },
);

describe('formatting', () => {
  test('numbers as people read them', () => {
    assert.deepEqual([formatCpu(0.25), formatCpu(12), formatCpu(1 / 3)], ['0.25', '12', '0.333']);
    assert.deepEqual([formatMemory(0), formatMemory(512 * 2 ** 20), formatMemory(1.5 * 2 ** 30), formatMemory(1000)], ['0', '512Mi', '1.5Gi', '1000']);
    assert.deepEqual([formatShare(0.57), formatShare(0.9999), formatShare(1), formatShare(null)], ['57%', '99.9%', '100%', 'n/a']);
  });

  test('terminal control sequences from manifests are shown, not obeyed', () => {
    assert.equal(terminalSafe('a\u001b[2Jb\u0007\u202ec'), 'a\\x1b[2Jb\\x07\\u202ec');
  });
});

describe('table', () => {
  const table = renderTable(report);

  test('one row per workload with replicas, vCPU, memory, architectures, readiness and the images lacking arm64', () => {
    const row = table.split('\n').find((line) => line.startsWith('Deployment shop/web'));
    assert.match(row ?? '', /^Deployment shop\/web\s+3\s+1\.5\s+3Gi\s+amd64,arm64\s+yes$/);
    const blocked = table.split('\n').find((line) => line.includes('legacy'));
    assert.match(blocked ?? '', /\s1\s+0\.5\s+1Gi\s+amd64\s+no\s+old:1$/);
  });

  test('then the summary, the top blocking images and the unresolved ones', () => {
    assert.match(table, /^Workloads: 3, 1 ready for arm64 \(33\.3%\), 2 blocked, 0 unknown$/m);
    assert.match(table, /^Requested vCPU: 5, 1\.5 ready for arm64 \(30%\); memory 6Gi$/m);
    assert.match(table, /^Estimated saving: \$10\.51 a month moving 1\.5 vCPU to Graviton \(x86 at \$0\.048 per vCPU-hour/m);
    assert.match(table, /^ {2}old:1 {2}3\.5 vCPU in 2 workloads \(has amd64\)$/m);
  });

  test('no escape sequence from a manifest reaches the terminal', () => {
    assert.ok(!table.includes('\u001b'), 'raw ESC in the table');
    assert.match(table, /legacy\\x1b\]0;pwned\\x07/);
  });
});

describe('HTML', () => {
  const page = renderHtml(report);

  test('is one self-contained document: no external script, style, font or image', () => {
    assert.ok(page.startsWith('<!doctype html>'));
    assert.doesNotMatch(page, /<(link|iframe|object|embed|img)\b/i);
    assert.doesNotMatch(page, /\b(src|href)="(https?:)?\/\//i);
    assert.doesNotMatch(page, /@import|url\(/i);
  });

  test('every value from manifests and registries is escaped', () => {
    assert.equal(page.split('<script').length, 2, 'only the page\'s own script tag');
    assert.ok(!page.includes(ATTRIBUTE), 'attribute breakout');
    assert.ok(!page.includes('</td></tr></table><script'), 'table breakout');
    assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(page.includes('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;'));
  });

  test('a Content-Security-Policy allows only the page\'s own script, by its hash', () => {
    const hash = createHash('sha256').update(SCRIPT).digest('base64');
    // The attribute is escaped like every other (&#39; is ' once the browser reads it).
    assert.match(page.replaceAll('&#39;', "'"), new RegExp(`Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${hash.replace(/[+/]/g, '\\$&')}'`));
    assert.ok(page.includes(`<script>${SCRIPT}</script>`));
  });

  test('carries the summary numbers, machine-readable', () => {
    assert.match(page, /id="ready-share" data-value="0.3333">33.3%</);
    assert.match(page, /id="ready-cpu-share" data-value="0.3">30%</);
    assert.match(page, /id="monthly-saving" data-value="10.51">\$10.51</);
    assert.match(page, /x86 capacity costs <b>\$0.048<\/b> per vCPU-hour/);
  });
});
