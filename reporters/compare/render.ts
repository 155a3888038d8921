// The comparison in the other formats `compare` offers: JSON (the model
// itself, which `primeci patchwork` reads back), GitHub Markdown and HTML.
import { renderPage } from '../html-page.ts';
import { statusWord } from '../status.ts';
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
  if (c.changes.length) {
    lines.push('| Section | Test | Host | Base | Patch | Bugs |', '| --- | --- | --- | --- | --- | --- |');
    for (const change of c.changes) {
      const bugs = bugsOf(change).map((tag) => `[${tag}](${c.bugs[tag]})`).join(' ');
      lines.push(
        `| ${sectionOf(change)} | \`${cell(change.test)}\`${change.newTest ? ' (NEW)' : ''} | ${cell(change.host)} | ${statuses(change.before)} | ${statuses(change.after)} | ${bugs} |`,
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
  return renderPage({
    title: `CI Bug Log: ${c.base.build} -> ${c.patch.build}: ${c.verdict}`,
    subtitle: `hosts ${c.base.hosts.join(' ')} -> ${c.patch.hosts.join(' ')}`,
    totals: [
      ...Object.keys(TONES).map((label) => ({ label, count: count(label), tone: TONES[label]! })),
      { label: 'new tests', count: c.newTests.length, tone: 'neutral' },
    ],
    columns: ['test', 'section', 'host', 'base', 'patch', 'bugs'],
    rows: c.changes.map((change, i) => ({
      id: `change-${i + 1}`,
      status: sectionOf(change),
      tone: TONES[sectionOf(change)]!,
      cells: [change.test, sectionOf(change), change.host, statuses(change.before), statuses(change.after), bugsOf(change).join(' ')],
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
