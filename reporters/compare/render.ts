// The comparison in the other formats `compare` offers: JSON (the model
// itself, which `primeci patchwork` reads back), GitHub Markdown and HTML.
import { renderPage } from '../html-page.ts';
import { statusWord } from '../status.ts';
import { CHANGES_NOTHING, firstBadLabel, patchRows, runsLine } from './attribution.ts';
import { renderBugLog } from './bug-log.ts';
import type { Change, Comparison, ResultRef } from './comparison.ts';

export const COMPARISON_FORMATS = ['text', 'json', 'markdown', 'html'] as const;
export type ComparisonFormat = (typeof COMPARISON_FORMATS)[number];

/** Where a change is listed in the bug log. */
export function sectionOf(change: Change): string {
  if (change.kind === 'fix') return 'possible fix';
  if (change.suppressed && !change.known) return 'suppressed';
  if (change.known) return change.kind === 'regression' ? 'known issue hit' : 'known warning';
  return change.kind === 'regression' ? 'possible regression' : 'warning';
}

const TONES: Record<string, string> = {
  'possible regression': 'error',
  warning: 'failure',
  suppressed: 'skip',
  'known issue hit': 'neutral',
  'known warning': 'neutral',
  'possible fix': 'pass',
};

const statuses = (refs: ResultRef[]) => (refs.length ? refs.map((r) => statusWord(r.status)).join(', ') : 'NOTRUN');
const bugsOf = (change: Change) => [...new Set([...change.before, ...change.after].flatMap((r) => r.bugs))];

function markdown(c: Comparison): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const lines = [`## CI Bug Log: ${c.base.build} → ${c.patch.build}: **${c.verdict}**`, ''];
  if (c.series) lines.push(`Series: ${c.series.url ? `[${c.series.name}](${c.series.url})` : c.series.name}`, '');
  if (c.attribution) {
    lines.push('| Patch | Subject | First breaks |', '| --- | --- | --- |');
    for (const { patch, firstBreaks } of patchRows(c.attribution)) {
      const breaks = firstBreaks.length ? firstBreaks.map((t) => `\`${cell(t)}\``).join('<br>') : CHANGES_NOTHING;
      lines.push(`| ${patch.index}/${c.attribution.patches.length} | ${cell(patch.subject)} | ${breaks} |`);
    }
    lines.push('', `Runs: ${runsLine(c.attribution)}`, '');
  }
  if (c.changes.length) {
    const series = c.attribution !== undefined;
    lines.push(
      `| Section | Test | Host | Base | Patch | Bugs |${series ? ' First bad |' : ''}`,
      `| --- | --- | --- | --- | --- | --- |${series ? ' --- |' : ''}`,
    );
    for (const change of c.changes) {
      const bugs = bugsOf(change).map((tag) => `[${tag}](${c.bugs[tag]})`).join(' ');
      const firstBad = series ? ` ${cell(firstBadLabel(c, change) ?? '')} |` : '';
      lines.push(
        `| ${sectionOf(change)} | \`${cell(change.test)}\`${change.newTest ? ' (NEW)' : ''} | ${cell(change.host)} | ${statuses(change.before)} | ${statuses(change.after)} | ${bugs} |${firstBad}`,
      );
    }
    lines.push('');
  } else {
    lines.push('No changes found.', '');
  }
  if (c.newTests.length) lines.push(`New tests: ${c.newTests.map((t) => `\`${t.test}\``).join(', ')}`, '');
  lines.push('<details><summary>Full report</summary>', '', '```text', renderBugLog(c).trimEnd(), '```', '', '</details>');
  return `${lines.join('\n')}\n`;
}

function html(c: Comparison): string {
  const sections = c.changes.map(sectionOf);
  const count = (name: string) => sections.filter((s) => s === name).length;
  const a = c.attribution;
  return renderPage({
    title: `CI Bug Log: ${c.base.build} -> ${c.patch.build}: ${c.verdict}`,
    subtitle: `hosts ${c.base.hosts.join(' ')} -> ${c.patch.hosts.join(' ')}`,
    totals: [
      ...Object.keys(TONES).map((label) => ({ label, count: count(label), tone: TONES[label]! })),
      { label: 'new tests', count: c.newTests.length, tone: 'neutral' },
    ],
    overview: a && {
      caption: `Per-patch results (runs: ${runsLine(a)})`,
      columns: ['patch', 'subject', 'first breaks'],
      rows: patchRows(a).map(({ patch, firstBreaks }) => [
        `${patch.index}/${a.patches.length}`,
        patch.subject,
        firstBreaks.length ? firstBreaks.join(' ') : CHANGES_NOTHING,
      ]),
    },
    columns: ['test', 'section', 'host', 'base', 'patch', 'bugs', ...(a ? ['first bad'] : [])],
    rows: c.changes.map((change, i) => ({
      id: `change-${i + 1}`,
      status: sectionOf(change),
      tone: TONES[sectionOf(change)]!,
      cells: [
        change.test,
        sectionOf(change),
        change.host,
        statuses(change.before),
        statuses(change.after),
        bugsOf(change).join(' '),
        ...(a ? [firstBadLabel(c, change) ?? ''] : []),
      ],
      details: [],
      links: [
        ...change.before.map((r) => ({ title: `base ${statusWord(r.status)}`, href: r.url })),
        ...change.after.map((r) => ({ title: `patch ${statusWord(r.status)}`, href: r.url })),
      ],
    })),
    appendix: renderBugLog(c),
  });
}

export function renderComparison(c: Comparison, format: ComparisonFormat): string {
  switch (format) {
    case 'text':
      return renderBugLog(c);
    case 'json':
      return `${JSON.stringify(c, null, 2)}\n`;
    case 'markdown':
      return markdown(c);
    case 'html':
      return html(c);
  }
}
