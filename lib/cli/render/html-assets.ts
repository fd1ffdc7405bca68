// The report page's only style and script, inline. The script is allowed by its hash in the page's
// Content-Security-Policy, so no other script (say, one smuggled in through a manifest) could run.
import { createHash } from 'node:crypto';
import { COLORS } from './html-charts.ts';

export const STYLE = `
:root { --ready: ${COLORS.ready}; --blocked: ${COLORS.blocked}; --unknown: ${COLORS.unknown}; --ink: #1d2330; --muted: #5d6778;
  --line: #e3e7ee; --paper: #ffffff; --wash: #f4f6fa; --accent: #ff9900; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--wash); color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header { background: linear-gradient(120deg, #1d2330 0%, #232f3e 60%, #37475a 100%); color: #fff; padding: 28px 40px 30px; }
.brand { font-size: 13px; letter-spacing: .08em; text-transform: uppercase; color: var(--accent); font-weight: 600; }
h1 { margin: 6px 0 4px; font-size: 28px; font-weight: 650; }
.meta { margin: 0; color: #c8d1dc; font-size: 13px; word-break: break-all; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 48px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(250px, 1fr)); gap: 16px; margin-top: -6px; }
.card { background: var(--paper); border: 1px solid var(--line); border-radius: 12px; padding: 18px 20px; display: flex; gap: 16px; align-items: center; box-shadow: 0 1px 2px rgba(16,24,40,.04); }
.card .big { font-size: 30px; font-weight: 700; line-height: 1.1; }
.card .what { color: var(--muted); font-size: 13px; }
.card.saving .big { color: #b36b00; }
.donut { width: 64px; height: 64px; flex: none; }
section { background: var(--paper); border: 1px solid var(--line); border-radius: 12px; padding: 20px 24px; margin-top: 20px; }
h2 { margin: 0 0 4px; font-size: 18px; }
.hint { margin: 0 0 14px; color: var(--muted); font-size: 13px; }
.legend { display: flex; gap: 18px; font-size: 13px; color: var(--muted); margin-bottom: 8px; }
.legend i { display: inline-block; width: 11px; height: 11px; border-radius: 3px; margin-right: 6px; vertical-align: -1px; }
.chart { width: 100%; height: auto; }
.ns-label { font-size: 13px; fill: var(--ink); }
.ns-value { font-size: 12px; fill: var(--muted); }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; white-space: nowrap; }
th button { all: unset; cursor: pointer; }
th button:focus-visible { outline: 2px solid var(--accent); }
th[aria-sort="ascending"] button::after { content: " ▲"; }
th[aria-sort="descending"] button::after { content: " ▼"; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .image { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; word-break: break-all; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12px; font-weight: 600; color: #fff; }
.badge.yes { background: var(--ready); } .badge.no { background: var(--blocked); } .badge.unknown { background: var(--unknown); }
.bar { height: 8px; background: var(--line); border-radius: 4px; min-width: 120px; }
.bar > span { display: block; height: 8px; border-radius: 4px; background: var(--blocked); }
.tools { display: flex; gap: 10px; margin-bottom: 10px; flex-wrap: wrap; }
.tools input, .tools select { font: inherit; font-size: 13px; padding: 6px 10px; border: 1px solid var(--line); border-radius: 8px; }
.tools input { flex: 1; min-width: 220px; }
.count { color: var(--muted); font-size: 13px; align-self: center; }
details summary { cursor: pointer; color: var(--muted); }
.assumptions li { margin: 3px 0; }
footer { text-align: center; color: var(--muted); font-size: 12px; padding: 0 0 32px; }
@media print { header { background: #1d2330; -webkit-print-color-adjust: exact; print-color-adjust: exact; } .tools { display: none; } }
`;

export const SCRIPT = `
(function () {
  var table = document.getElementById('workload-table');
  if (!table) return;
  var body = table.tBodies[0];
  var headers = table.tHead.rows[0].cells;
  function key(row, index, numeric) {
    var cell = row.cells[index];
    var value = cell.getAttribute('data-sort');
    if (value === null) value = cell.textContent;
    return numeric ? Number(value) : value.toLowerCase();
  }
  Array.prototype.forEach.call(headers, function (th, index) {
    var button = th.querySelector('button');
    if (!button) return;
    button.addEventListener('click', function () {
      var ascending = th.getAttribute('aria-sort') !== 'ascending';
      var numeric = th.classList.contains('num');
      Array.prototype.forEach.call(headers, function (other) { other.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a, index, numeric), y = key(b, index, numeric);
        var order = x < y ? -1 : x > y ? 1 : 0;
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
  var search = document.getElementById('filter-text');
  var state = document.getElementById('filter-arm64');
  var count = document.getElementById('filter-count');
  function filter() {
    var text = search.value.trim().toLowerCase();
    var wanted = state.value;
    var shown = 0;
    Array.prototype.forEach.call(body.rows, function (row) {
      var visible = (text === '' || row.textContent.toLowerCase().indexOf(text) !== -1) && (wanted === 'all' || row.getAttribute('data-arm64') === wanted);
      row.hidden = !visible;
      if (visible) shown += 1;
    });
    count.textContent = shown + ' of ' + body.rows.length + ' workloads';
  }
  search.addEventListener('input', filter);
  state.addEventListener('change', filter);
  filter();
})();
`;

export const SCRIPT_HASH = `sha256-${createHash('sha256').update(SCRIPT).digest('base64')}`;

export const CONTENT_SECURITY_POLICY = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src '${SCRIPT_HASH}'; base-uri 'none'; form-action 'none'`;
