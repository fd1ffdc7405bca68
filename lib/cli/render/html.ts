// `--output html`: one self-contained page (inline CSS, SVG and one hashed script; nothing fetched)
// for people planning a Graviton migration: the headline shares, a chart per namespace, the images
// holding back the most requested vCPU, every workload (sortable, filterable) and the saving
// estimate with the assumptions it rests on. Every value from a manifest, a cluster or a registry
// is escaped.
import type { BlockingImage, ImageReport, ReportDocument, ReportInput, WorkloadReport } from '../report/document.ts';
import { COLORS, donut, namespaceChart } from './html-charts.ts';
import { CONTENT_SECURITY_POLICY, SCRIPT, STYLE } from './html-assets.ts';
import { html, raw, type Raw } from './html-escape.ts';
import { formatArm64, formatCpu, formatMemory, formatMoney, formatPrice, formatShare } from './format.ts';

const TOP_BLOCKERS = 15;

export function renderHtml(report: ReportDocument): string {
  const s = report.summary;
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<title>Graviton readiness · Archy report</title>
<style>${raw(STYLE)}</style>
</head>
<body>
<header>
  <div class="brand">Archy · Graviton migration report</div>
  <h1>${headline(report)}</h1>
  <p class="meta">${describeInput(report.input)} · generated ${report.generatedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}</p>
</header>
<main>
  <div class="cards">
    <div class="card">${donut(s.readyShare, COLORS.ready, 'Workloads ready for arm64')}
      <div><div class="big" id="ready-share" data-value="${String(s.readyShare)}">${formatShare(s.readyShare)}</div>
      <div class="what">of workloads are ready for arm64:<br><b id="ready-workloads" data-value="${s.arm64Ready}">${s.arm64Ready}</b> of <b id="workloads" data-value="${s.workloads}">${s.workloads}</b> (${s.blocked} blocked, ${s.unknown} unknown)</div></div></div>
    <div class="card">${donut(s.readyCpuShare, COLORS.ready, 'Requested vCPU ready for arm64')}
      <div><div class="big" id="ready-cpu-share" data-value="${String(s.readyCpuShare)}">${formatShare(s.readyCpuShare)}</div>
      <div class="what">of requested vCPU could move:<br><b id="ready-cpu" data-value="${s.readyCpu}">${formatCpu(s.readyCpu)}</b> of <b id="cpu" data-value="${s.cpu}">${formatCpu(s.cpu)}</b> vCPU</div></div></div>
    <div class="card saving">
      <div><div class="big" id="monthly-saving" data-value="${s.estimate.monthlySaving}">${formatMoney(s.estimate.monthlySaving)}</div>
      <div class="what">estimated saving a month from moving the ready vCPU to Graviton (<a href="#estimate">how</a>)</div></div></div>
    <div class="card">
      <div><div class="big" id="blocking-images" data-value="${s.imagesWithoutArm64}">${s.imagesWithoutArm64}</div>
      <div class="what">of ${s.images} images lack arm64 and hold back <b>${formatCpu(s.blockedCpu)}</b> vCPU; ${s.unresolvedImages} could not be checked</div></div></div>
  </div>
  ${namespaceSection(report)}
  ${blockingSection(report.blockingImages)}
  ${unresolvedSection(report.images)}
  ${workloadSection(report.workloads)}
  ${estimateSection(report)}
  ${warningsSection(report.warnings)}
</main>
<footer>archy report · schema version ${report.schemaVersion} · the same numbers as <code>archy report --output json</code></footer>
<script>${raw(SCRIPT)}</script>
</body>
</html>
`;
  return page.text;
}

function headline(report: ReportDocument): string {
  const { summary } = report;
  if (summary.workloads === 0) return 'No workloads found';
  return `${formatShare(summary.readyShare)} of your workloads could run on Graviton today`;
}

function describeInput(input: ReportInput): string {
  if (input.kind === 'manifests') return `manifests: ${input.paths.map((path) => (path === '-' ? 'stdin' : path)).join(', ')}`;
  const namespaces = input.namespaces === 'all' ? 'all namespaces' : `namespaces ${input.namespaces.join(', ')}`;
  return `cluster ${input.context ?? 'in-cluster'} (${input.server}) · ${namespaces}`;
}

function namespaceSection(report: ReportDocument): Raw {
  if (report.namespaces.length === 0) return html``;
  const chart = namespaceChart(report.namespaces);
  return html`<section id="namespaces">
    <h2>By namespace</h2>
    <p class="hint">Requested ${chart.measure === 'vCPU' ? 'vCPU (requests × replicas)' : 'workloads (no workload requests CPU)'} per namespace, the largest first.</p>
    <div class="legend"><span><i style="background:${COLORS.ready}"></i>ready for arm64</span><span><i style="background:${COLORS.blocked}"></i>blocked by an image</span><span><i style="background:${COLORS.unknown}"></i>unknown (image not resolved)</span></div>
    ${chart.svg}
  </section>`;
}

function blockingSection(images: readonly BlockingImage[]): Raw {
  if (images.length === 0) {
    return html`<section id="blocking"><h2>Images holding workloads back</h2><p class="hint">None: every image that could be resolved has arm64.</p></section>`;
  }
  const largest = Math.max(1e-9, ...images.map((image) => image.cpu));
  const row = (image: BlockingImage, rank: number): Raw => html`<tr>
    <td class="num">${rank}</td>
    <td class="image">${image.image}</td>
    <td>${image.architectures.join(', ') || 'no linux platform'}</td>
    <td class="num">${image.workloads}</td>
    <td class="num">${formatCpu(image.cpu)}</td>
    <td><div class="bar"><span style="width:${String(Math.max(1, Math.round((image.cpu / largest) * 100)))}%"></span></div></td>
    <td class="num">${formatCpu(image.unlocksCpu)}</td>
  </tr>`;
  const head = html`<thead><tr><th class="num">#</th><th>image</th><th>has</th><th class="num">workloads</th><th class="num">vCPU held back</th><th></th><th class="num">unlocks alone</th></tr></thead>`;
  const top = images.slice(0, TOP_BLOCKERS).map((image, index) => row(image, index + 1));
  const rest = images.slice(TOP_BLOCKERS).map((image, index) => row(image, TOP_BLOCKERS + index + 1));
  return html`<section id="blocking">
    <h2>Images holding workloads back</h2>
    <p class="hint">Ranked by the requested vCPU of the workloads each keeps off arm64. “Unlocks alone”: vCPU that becomes ready once this image alone gains arm64.</p>
    <table>${head}<tbody>${top}</tbody></table>
    ${rest.length > 0 ? html`<details><summary>${rest.length} more</summary><table>${head}<tbody>${rest}</tbody></table></details>` : html``}
  </section>`;
}

function unresolvedSection(images: readonly ImageReport[]): Raw {
  const failed = images.filter((image) => image.error !== undefined);
  if (failed.length === 0) return html``;
  return html`<section id="unresolved">
    <h2>Images that could not be checked</h2>
    <p class="hint">Their workloads count as unknown. Private registries need pull secrets Archy can read, or ECR access with your AWS credentials.</p>
    <table><thead><tr><th>image</th><th class="num">workloads</th><th>why</th></tr></thead><tbody>
    ${failed.map((image) => html`<tr><td class="image">${image.image}</td><td class="num">${image.workloads}</td><td>${image.error ?? ''}</td></tr>`)}
    </tbody></table>
  </section>`;
}

function workloadSection(workloads: readonly WorkloadReport[]): Raw {
  const header = (label: string, numeric = false): Raw => html`<th${raw(numeric ? ' class="num"' : '')}><button type="button">${label}</button></th>`;
  const rows = workloads.map((w) => html`<tr data-arm64="${formatArm64(w.arm64)}">
    <td>${w.kind}</td>
    <td>${w.namespace}</td>
    <td>${w.name}</td>
    <td class="num" data-sort="${w.replicas}">${w.replicas}</td>
    <td class="num" data-sort="${w.cpu}">${formatCpu(w.cpu)}</td>
    <td class="num" data-sort="${w.memory}">${formatMemory(w.memory)}</td>
    <td>${w.architectures.join(', ') || '–'}</td>
    <td data-sort="${w.arm64 === true ? 0 : w.arm64 === null ? 1 : 2}"><span class="badge ${formatArm64(w.arm64)}">${formatArm64(w.arm64)}</span></td>
    <td class="image">${[...w.blockingImages, ...w.unresolvedImages.map((image) => `${image} (unresolved)`)].join(', ')}</td>
  </tr>`);
  return html`<section id="all-workloads">
    <h2>All workloads</h2>
    <p class="hint">Read from pod templates; CPU and memory are requests × replicas (limits where no request is set; init containers as the scheduler counts them). Click a column to sort.</p>
    <div class="tools">
      <input id="filter-text" type="search" placeholder="Filter by name, namespace or image" aria-label="Filter workloads">
      <select id="filter-arm64" aria-label="arm64 readiness"><option value="all">all</option><option value="yes">ready</option><option value="no">blocked</option><option value="unknown">unknown</option></select>
      <span class="count" id="filter-count"></span>
    </div>
    <table id="workload-table"><thead><tr>${[header('kind'), header('namespace'), header('name'), header('replicas', true), header('vCPU', true), header('memory', true), header('architectures'), header('arm64'), header('images lacking arm64')]}</tr></thead>
    <tbody>${rows}</tbody></table>
  </section>`;
}

function estimateSection(report: ReportDocument): Raw {
  const e = report.summary.estimate;
  return html`<section id="estimate">
    <h2>How the saving is estimated</h2>
    <ul class="assumptions">
      <li>The vCPU that could move is the requested vCPU of the workloads whose every image has arm64: <b>${formatCpu(e.readyCpu)} vCPU</b>, assumed to run on x86 today.</li>
      <li>x86 capacity costs <b>${formatPrice(e.vcpuHourPrice)}</b> per vCPU-hour (<code>--vcpu-hour-price</code>; the default is an m6i.large on demand in us-east-1, memory included), ${e.hoursPerMonth} hours a month: <b>${formatMoney(e.monthlyCostOnX86)}</b> a month.</li>
      <li>Graviton costs <b>${e.priceRatio}</b> times as much for the same vCPU (<code>--price-ratio</code>; the default is m6g.large against m6i.large): <b>${formatMoney(e.monthlyCostOnGraviton)}</b> a month.</li>
      <li>Estimated saving: <b>${formatMoney(e.monthlySaving)}</b> a month. Requests are not usage, nodes are rarely full, and spot or savings plans change both prices: treat it as an order of magnitude.</li>
    </ul>
  </section>`;
}

function warningsSection(warnings: readonly string[]): Raw {
  if (warnings.length === 0) return html``;
  return html`<section id="warnings"><details><summary>${warnings.length} note${warnings.length === 1 ? '' : 's'} from the run</summary><ul>${warnings.map((warning) => html`<li>${warning}</li>`)}</ul></details></section>`;
}
