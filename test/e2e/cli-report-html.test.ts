// The HTML report as a person sees it: `archy report -o html` over a cluster, opened in headless
// Chromium. It must render with no console error, no exception and no CSP violation, show the
// summary numbers the JSON report has, sort and filter its workload table, and be worth a look
// (the screenshot: set ARCHY_REPORT_SCREENSHOT=docs/report.png to refresh the README's).
// Without Chromium the test skips with a message, except in CI (CI=true), where it fails.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtml } from '../../lib/cli/render/html.ts';
import { buildReport } from '../../lib/cli/report/build.ts';
import type { ReportDocument } from '../../lib/cli/report/document.ts';
import { runArchy } from '../support/archy-cli.ts';
import { CHROMIUM, chromiumInstalled, launchChromium, type Browser, type BrowserPage } from '../support/chromium.ts';
import { seedEstate } from '../support/graviton-estate.ts';
import { startWorkloadApi, type WorkloadApiFake } from '../support/kube-workload-lists.ts';
import { writeKubeconfig } from '../support/kubeconfig.ts';
import { startRegistry, type TestRegistry } from '../support/registry/harness.ts';

const installed = chromiumInstalled();
const inCi = process.env.CI === 'true';
const MISSING = `Chromium is not installed at ${CHROMIUM} (Debian: apt-get install -y chromium; or set ARCHY_TEST_CHROMIUM)`;
if (!installed && !inCi) process.stderr.write(`skipping the HTML report browser test: ${MISSING}\n`);

describe('archy report -o html in a browser', { skip: !installed && !inCi ? MISSING : false }, () => {
  let registry: TestRegistry;
  let api: WorkloadApiFake;
  let dir: string;
  let browser: Browser | undefined;
  let page: BrowserPage;
  let json: ReportDocument;

  before(async () => {
    assert.ok(installed, `${MISSING}: CI must install it`);
    [registry, api] = await Promise.all([startRegistry(), startWorkloadApi()]);
    const estate = await seedEstate(registry, api);
    dir = await mkdtemp(join(tmpdir(), 'archy-html-'));
    const env = { ...estate.env, KUBECONFIG: await writeKubeconfig(dir, { 'prod-eu-west-1': api.url }), HOME: dir };
    const html = join(dir, 'report.html');
    const [htmlRun, jsonRun] = await Promise.all([runArchy(['report', '-o', 'html', '--out', html], { env }), runArchy(['report', '-o', 'json'], { env })]);
    assert.equal(htmlRun.code, 0, htmlRun.stderr);
    assert.equal(jsonRun.code, 0, jsonRun.stderr);
    json = JSON.parse(jsonRun.stdout) as ReportDocument;
    assert.equal(json.summary.workloads, estate.workloads);
    await writeFile(html, htmlRun.files.get(html) ?? '');
    browser = await launchChromium();
    page = await browser.newPage();
    await page.navigate(pathToFileURL(html).href);
  });
  after(async () => {
    await browser?.close();
    await Promise.all([registry?.stop(), api?.close()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('renders with no console error, exception or blocked resource', () => {
    assert.deepEqual(page.problems, []);
  });

  test('shows the summary numbers of the JSON report', async () => {
    const shown = await page.evaluate<Record<string, string | null>>(`Object.fromEntries(['ready-share', 'ready-cpu-share', 'ready-workloads', 'workloads', 'ready-cpu', 'cpu', 'monthly-saving', 'blocking-images']
      .map((id) => [id, document.getElementById(id)?.dataset.value ?? null]))`);
    const s = json.summary;
    assert.deepEqual(shown, {
      'ready-share': String(s.readyShare), 'ready-cpu-share': String(s.readyCpuShare), 'ready-workloads': String(s.arm64Ready), workloads: String(s.workloads),
      'ready-cpu': String(s.readyCpu), cpu: String(s.cpu), 'monthly-saving': String(s.estimate.monthlySaving), 'blocking-images': String(s.imagesWithoutArm64),
    });
    const headline = await page.evaluate<string>('document.querySelector("h1").textContent');
    assert.match(headline, /^\d+(\.\d)?% of your workloads could run on Graviton today$/);
    assert.ok(s.arm64Ready > 0 && s.blocked > 0 && s.unknown > 0, 'the estate has ready, blocked and unknown workloads');
  });

  test('the blocking images are ranked by the vCPU they hold back, the namespace chart has a bar per namespace', async () => {
    const ranked = await page.evaluate<string[]>('[...document.querySelectorAll("#blocking tbody tr td.image")].map((cell) => cell.textContent)');
    assert.deepEqual(ranked, json.blockingImages.map((image) => image.image));
    assert.equal(ranked[0], 'ghcr.io/acme/ml-inference:3.1');
    const bars = await page.evaluate<number>('document.querySelectorAll("#namespaces svg .ns-row").length');
    assert.equal(bars, json.namespaces.length);
  });

  test('the workload table sorts by a column and filters by readiness', async () => {
    const count = await page.evaluate<string>('document.getElementById("filter-count").textContent');
    assert.equal(count, `${json.summary.workloads} of ${json.summary.workloads} workloads`);
    const largest = await page.evaluate<string>(`(() => {
      const button = [...document.querySelectorAll('#workload-table thead button')].find((b) => b.textContent === 'vCPU');
      button.click();
      button.click();
      return document.querySelector('#workload-table tbody tr').cells[2].textContent;
    })()`);
    const biggest = [...json.workloads].sort((a, b) => b.cpu - a.cpu)[0];
    assert.equal(largest, biggest?.name);
    const filtered = await page.evaluate<{ count: string; states: string[] }>(`(() => {
      const select = document.getElementById('filter-arm64');
      select.value = 'no';
      select.dispatchEvent(new Event('change'));
      const visible = [...document.querySelectorAll('#workload-table tbody tr')].filter((row) => !row.hidden);
      const result = { count: document.getElementById('filter-count').textContent, states: [...new Set(visible.map((row) => row.dataset.arm64))] };
      select.value = 'all';
      select.dispatchEvent(new Event('change'));
      return result;
    })()`);
    assert.deepEqual(filtered, { count: `${json.summary.blocked} of ${json.summary.workloads} workloads`, states: ['no'] });
  });

  test('names and errors crafted as markup stay text: nothing runs, nothing is blocked', async () => {
    const trap = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
    const hostile = buildReport(
      [{ kind: 'Deployment', namespace: `ns${trap}`, name: `"'><svg onload="window.pwned=3">`, source: trap, replicas: 1, perReplica: { cpuMillis: 100, memoryBytes: 0 }, images: [trap], access: { namespace: 'x', imagePullSecrets: [] } }],
      new Map([[trap, { ok: false, image: trap, error: `registry said ${trap}`, warnings: [trap] }]]),
      { input: { kind: 'manifests', paths: [trap] }, pricing: { vcpuHourPrice: 0.048, priceRatio: 0.8 }, warnings: [trap] },
    );
    const file = join(dir, 'hostile.html');
    await writeFile(file, renderHtml(hostile));
    const other = await (browser as Browser).newPage();
    await other.navigate(pathToFileURL(file).href);
    assert.equal(await other.evaluate<unknown>('window.pwned'), undefined);
    assert.deepEqual(other.problems, []);
    assert.match(await other.evaluate<string>('document.querySelector("#workload-table tbody").textContent'), /<svg onload=/);
  });

  test('a full-page screenshot', async () => {
    const png = await page.screenshot(1280);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(png.length > 20_000, `a real picture, not a blank page (${png.length} bytes)`);
    const target = process.env.ARCHY_REPORT_SCREENSHOT;
    if (target) await writeFile(target, png);
    assert.deepEqual(page.problems, []);
  });
});
