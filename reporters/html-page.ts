// One static, self-contained HTML page (no external files) for a run or a
// comparison: a title, totals, and a table filterable by text and status.
// The filter also reads `#q=TEXT&status=STATUS` from the address, so a link
// can point at a filtered view.
import { attributes, escapeMarkup } from './markup.ts';

export interface PageTotal {
  label: string;
  count: number;
  /** Colour class: pass, skip, failure, error, neutral. */
  tone: string;
}

export interface PageRow {
  /** The anchor other reports link to, e.g. the test name. */
  id: string;
  /** Matched by the status filter. */
  status: string;
  tone: string;
  /** Plain-text cells, escaped here. */
  cells: string[];
  /** Titled blocks of captured text shown on demand (out, err, dmesg). */
  details: { title: string; text: string }[];
  /** Links shown beside the details (e.g. each side's result). */
  links?: { title: string; href: string }[];
}

export interface Page {
  title: string;
  subtitle: string;
  totals: PageTotal[];
  columns: string[];
  rows: PageRow[];
  /** Preformatted text shown under the table (e.g. the CI Bug Log). */
  appendix?: string;
  /** A small plain table above the totals (e.g. a series' patches). */
  overview?: { caption: string; columns: string[]; rows: string[][] };
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em;margin:0}.subtitle{color:#555;margin:.2em 0 1em}
#totals{display:flex;flex-wrap:wrap;gap:.5em;margin:0 0 1em}
.total{border-radius:4px;padding:.3em .7em;background:#eee}.total dt{font-size:.8em}.total dd{margin:0;font-size:1.3em;font-weight:bold}
.pass{background:#d9f2d9}.skip{background:#eee}.failure{background:#fde2c4}.error{background:#f7c6c6}.neutral{background:#e3ecf7}
table{border-collapse:collapse;width:100%}#overview{margin:0 0 1em}caption{text-align:left;font-weight:bold}th,td{border-bottom:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}
td.name{font-family:monospace}pre{background:#f6f6f6;padding:.5em;overflow:auto;max-height:30em;white-space:pre-wrap}
#filters{margin:0 0 .7em;display:flex;gap:.5em;align-items:center}
`;

const SCRIPT = `
(function () {
  var q = document.getElementById('q'), status = document.getElementById('status');
  var rows = Array.prototype.slice.call(document.querySelectorAll('table:not(#overview) tbody tr'));
  function apply() {
    var text = q.value.toLowerCase(), wanted = status.value, shown = 0;
    rows.forEach(function (row) {
      var visible = row.textContent.toLowerCase().indexOf(text) >= 0 && (!wanted || row.dataset.status === wanted);
      row.hidden = !visible;
      if (visible) shown++;
    });
    document.getElementById('shown').textContent = String(shown);
  }
  var params = new URLSearchParams(location.hash.slice(1));
  if (params.has('q')) q.value = params.get('q');
  if (params.has('status')) status.value = params.get('status');
  q.addEventListener('input', apply);
  status.addEventListener('change', apply);
  apply();
})();
`;

function overview(table: NonNullable<Page['overview']>): string {
  const head = table.columns.map((c) => `<th>${escapeMarkup(c)}</th>`).join('');
  const rows = table.rows.map((r) => `<tr>${r.map((cell) => `<td>${escapeMarkup(cell)}</td>`).join('')}</tr>`).join('\n');
  return `<table id="overview">\n<caption>${escapeMarkup(table.caption)}</caption>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${rows}\n</tbody>\n</table>\n`;
}

function totalBox(total: PageTotal): string {
  return `<div${attributes({ class: `total ${total.tone}`, 'data-total': total.label })}><dt>${escapeMarkup(total.label)}</dt><dd>${total.count}</dd></div>`;
}

function row(r: PageRow): string {
  const cells = r.cells.map((cell, i) => `<td${i === 0 ? ' class="name"' : ''}>${escapeMarkup(cell)}</td>`).join('');
  const blocks = r.details
    .filter((d) => d.text.trim())
    .map((d) => `<h4>${escapeMarkup(d.title)}</h4><pre>${escapeMarkup(d.text)}</pre>`)
    .join('');
  const details = blocks ? `<details><summary>output</summary>${blocks}</details>` : '';
  const links = (r.links ?? []).map((l) => `<a${attributes({ href: l.href })}>${escapeMarkup(l.title)}</a>`).join(' ');
  return `<tr${attributes({ id: r.id, class: r.tone, 'data-status': r.status })}>${cells}<td>${links}${details}</td></tr>`;
}

export function renderPage(page: Page): string {
  const statuses = [...new Set(page.rows.map((r) => r.status))].sort();
  const options = ['<option value="">any status</option>', ...statuses.map((s) => `<option${attributes({ value: s })}>${escapeMarkup(s)}</option>`)];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeMarkup(page.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeMarkup(page.title)}</h1>
<p class="subtitle">${escapeMarkup(page.subtitle)}</p>
${page.overview ? overview(page.overview) : ''}<dl id="totals">${page.totals.map(totalBox).join('')}</dl>
<div id="filters"><input id="q" type="search" placeholder="filter by name or text" aria-label="filter"><select id="status" aria-label="status">${options.join('')}</select><span><span id="shown">${page.rows.length}</span> of ${page.rows.length} shown</span></div>
<table>
<thead><tr>${[...page.columns, 'details'].map((c) => `<th>${escapeMarkup(c)}</th>`).join('')}</tr></thead>
<tbody>
${page.rows.map(row).join('\n')}
</tbody>
</table>
${page.appendix ? `<pre id="appendix">${escapeMarkup(page.appendix)}</pre>` : ''}
<script>${SCRIPT}</script>
</body>
</html>
`;
}
