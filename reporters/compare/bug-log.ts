// The text of Intel CI's "CI Bug Log - changes from BASE -> PATCH" report, as
// mailed to a series and posted to Patchwork: its sections in their order, its
// entry lines (`    - host:` padded to 20, `[OLD][n] -> [NEW][m]`, bug tags,
// `+N similar issues`) and numbered result links.
import { STATUSES } from '../../runner/results/igt.ts';
import { statusWord } from '../status.ts';
import { CHANGES_NOTHING, firstBadLabel, patchLabel, patchRows, runsLine } from './attribution.ts';
import type { Change, Comparison, ResultRef, Verdict } from './comparison.ts';

/** Numbers result links in the order they appear in the report. */
class LinkList {
  private next = 1;
  take(url: string): { n: number; line: string } {
    const n = this.next++;
    return { n, line: `   [${n}]: ${url}` };
  }
}

function heading(title: string, underline: string): string[] {
  return [title, underline.repeat(title.length), ''];
}

const bugTags = (tags: string[]) => (tags.length ? ` (${[...new Set(tags)].map((t) => `[${t}]`).join(' / ')})` : '');
const braced = (text: string, suppressed: boolean) => (suppressed ? `{${text}}` : text);

function side(refs: ResultRef[], links: LinkList, linkLines: string[]): string {
  if (!refs.length) return 'NOTRUN';
  const words = refs.map((ref) => {
    const { n, line } = links.take(ref.url);
    linkLines.push(line);
    return `[${statusWord(ref.status)}][${n}]`;
  });
  const bugs = bugTags(refs.flatMap((r) => r.bugs));
  return (words.length > 1 ? `(${words.join(', ')})` : words[0]!) + bugs;
}

// Known changes of one test with the same statuses and bugs on several
// hosts fold into the first host with "+N similar issues". (CI Bug Log also
// folds other tests; here every test name stays visible.)
function similarityKey(change: Change): string {
  const refs = (r: ResultRef[]) => r.map((x) => `${x.status}:${x.bugs.join('/')}`).join(',');
  return `${change.test}|${refs(change.before)}|${refs(change.after)}`;
}

function entries(c: Comparison, changes: Change[], links: LinkList): string[] {
  const groups = new Map<string, Change[]>();
  for (const change of changes) {
    const key = change.known ? similarityKey(change) : `${change.test}|${change.host}`;
    groups.set(key, [...(groups.get(key) ?? []), change]);
  }
  // Group hosts under their test, keeping first-seen order.
  const byTest = new Map<string, { change: Change; similar: number }[]>();
  for (const [first, ...rest] of groups.values()) {
    byTest.set(first!.test, [...(byTest.get(first!.test) ?? []), { change: first!, similar: rest.length }]);
  }
  const lines: string[] = [];
  for (const [test, hosts] of byTest) {
    const { change } = hosts[0]!;
    lines.push(`  * ${braced(test, change.suppressed)}${change.newTest ? ' (NEW)' : ''}:`);
    for (const { change: onHost, similar } of hosts) {
      const linkLines: string[] = [];
      const transition = `${side(onHost.before, links, linkLines)} -> ${side(onHost.after, links, linkLines)}`;
      const more = similar ? ` +${similar} similar issue${similar > 1 ? 's' : ''}` : '';
      const firstBad = firstBadLabel(c, onHost);
      lines.push(
        `    - ${`${braced(onHost.host, onHost.suppressed)}:`.padEnd(20)}${transition}${more}`,
        ...(firstBad ? [`      first bad: ${firstBad}`] : []),
        ...linkLines,
      );
    }
    lines.push('');
  }
  return lines;
}

function subsection(c: Comparison, title: string, changes: Change[], links: LinkList, preface: string[] = []): string[] {
  return changes.length ? [`#### ${title} ####`, '', ...preface, ...entries(c, changes, links)] : [];
}

const notRelated = (patch: string) => [
  '  If you think the reported changes have nothing to do with the changes',
  `  introduced in ${patch}, record them in a known-issues file`,
  '  (--known-issues) so that CI recognises this failure mode from now on.',
];

const SUMMARY: Record<Verdict, (patch: string) => string[]> = {
  FAILURE: (patch) => [
    `  Serious unknown changes coming with ${patch} absolutely need to be`,
    '  verified manually.',
    '',
    ...notRelated(patch),
  ],
  WARNING: (patch) => [`  Minor unknown changes coming with ${patch} need to be verified`, '  manually.', '', ...notRelated(patch)],
  SUCCESS: () => ['  No regressions found.'],
};

function summary(c: Comparison): string[] {
  const lines = [...heading('Summary', '-'), `  **${c.verdict}**`, '', ...SUMMARY[c.verdict](c.patch.build), ''];
  if (c.externalUrl) lines.push(`  External URL: ${c.externalUrl}`, '');
  return lines;
}

/** Each patch of a checked series with the regressions it brings first. */
function perPatch(c: Comparison): string[] {
  const a = c.attribution;
  if (!a) return [];
  const lines = heading(`Per-patch results (${a.patches.length} patch${a.patches.length === 1 ? '' : 'es'})`, '-');
  for (const { patch, firstBreaks } of patchRows(a)) {
    lines.push(`  ${patchLabel(patch, a)}`);
    if (!firstBreaks.length) lines.push(`    ${CHANGES_NOTHING}`);
    firstBreaks.forEach((test, i) => lines.push(`    ${i ? ' '.repeat('first breaks: '.length) : 'first breaks: '}${test}`));
  }
  return [...lines, '', `  Runs: ${runsLine(a)}`, ''];
}

function participatingHosts(c: Comparison): string[] {
  const additional = c.patch.hosts.filter((h) => !c.base.hosts.includes(h));
  const missing = c.base.hosts.filter((h) => !c.patch.hosts.includes(h));
  const lines = heading(`Participating hosts (${c.base.hosts.length} -> ${c.patch.hosts.length})`, '-');
  if (!additional.length && !missing.length) lines.push('  No changes in participating hosts');
  if (additional.length) lines.push(`  Additional (${additional.length}): ${additional.join(' ')}`);
  if (missing.length) lines.push(`  Missing    (${missing.length}): ${missing.join(' ')}`);
  return [...lines, ''];
}

function possibleNewIssues(c: Comparison, links: LinkList): string[] {
  const unknown = c.changes.filter((x) => !x.known && x.kind !== 'fix');
  const trusted = unknown.filter((x) => !x.suppressed);
  const suppressed = unknown.filter((x) => x.suppressed);
  if (!unknown.length) return [];
  return [
    ...heading('Possible new issues', '-'),
    `  Here are the unknown changes that may have been introduced in ${c.patch.build}:`,
    '',
    '### IGT changes ###',
    '',
    ...subsection(c, 'Possible regressions', trusted.filter((x) => x.kind === 'regression'), links),
    ...subsection(c, 'Warnings', trusted.filter((x) => x.kind === 'warning'), links),
    ...subsection(c, 'Suppressed', suppressed, links, [
      '  The following results come from untrusted machines, tests, or statuses.',
      '  They do not affect the overall result.',
      '',
    ]),
  ];
}

function newTests(c: Comparison): string[] {
  if (!c.newTests.length) return [];
  const lines = [
    ...heading('New tests', '-'),
    `  New tests have been introduced between ${c.base.build} and ${c.patch.build}:`,
    '',
    `### New IGT tests (${c.newTests.length}) ###`,
    '',
  ];
  for (const t of c.newTests) {
    const statuses = STATUSES.filter((s) => t.statuses[s]).map((s) => `${t.statuses[s]} ${s}(s)`);
    const times = t.times.length > 1 ? [Math.min(...t.times), Math.max(...t.times)] : t.times;
    lines.push(
      `  * ${t.test}:`,
      `    - Statuses : ${statuses.join(' ')}`,
      `    - Exec time: [${times.map((s) => s.toFixed(2)).join(', ')}] s`,
      '',
    );
  }
  return lines;
}

function knownIssues(c: Comparison, links: LinkList): string[] {
  const hit = c.changes.filter((x) => x.known && x.kind === 'regression');
  const fixes = c.changes.filter((x) => x.kind === 'fix');
  const warnings = c.changes.filter((x) => x.known && x.kind === 'warning');
  if (!hit.length && !fixes.length && !warnings.length) return [];
  const lines = [
    ...heading('Known issues', '-'),
    `  Here are the changes found in ${c.patch.build} that come from known issues:`,
    '',
    '### IGT changes ###',
    '',
    ...subsection(c, 'Issues hit', hit, links),
    ...subsection(c, 'Possible fixes', fixes, links),
    ...subsection(c, 'Warnings', warnings, links),
  ];
  if (c.changes.some((x) => x.suppressed)) {
    lines.push(
      '  {name}: This element is suppressed. This means it is ignored when computing',
      '          the status of the difference (SUCCESS, WARNING, or FAILURE).',
      '',
    );
  }
  const tags = Object.keys(c.bugs).sort();
  if (tags.length) lines.push(...tags.map((tag) => `  [${tag}]: ${c.bugs[tag]}`), '');
  return lines;
}

function buildChanges(c: Comparison): string[] {
  return [
    ...heading('Build changes', '-'),
    `  * Linux: ${c.base.build} -> ${c.patch.build}`,
    '',
    `  ${c.base.build}: ${c.base.uname || 'unknown kernel'}`,
    `  ${c.patch.build}: ${c.patch.uname || 'unknown kernel'}`,
    '',
  ];
}

/** The state word of the "Series Details" block. */
function seriesState(verdict: Verdict): string {
  return verdict.toLowerCase();
}

export function renderBugLog(c: Comparison): string {
  const links = new LinkList();
  const title = `CI Bug Log - changes from ${c.base.build} -> ${c.patch.build}`;
  const body = [
    ...heading(title, '='),
    ...summary(c),
    ...perPatch(c),
    ...participatingHosts(c),
    ...(c.changes.length || c.newTests.length ? [] : [...heading('Changes', '-'), '  No changes found', '']),
    ...possibleNewIssues(c, links),
    ...newTests(c),
    ...knownIssues(c, links),
    ...buildChanges(c),
  ];
  const series = c.series
    ? ['== Series Details ==', '', `Series: ${c.series.name}`, `URL   : ${c.series.url ?? ''}`, `State : ${seriesState(c.verdict)}`, '', '== Summary ==', '']
    : [];
  const logs = c.series && c.externalUrl ? ['', '== Logs ==', '', `For more details see: ${c.externalUrl}`] : [];
  return `${[...series, ...body].join('\n').trimEnd()}\n${logs.length ? `${logs.join('\n')}\n` : ''}`;
}
