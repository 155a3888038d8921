// CI Bug Log comparisons: sections, entry format, verdict rules, known issues.
import { execa } from 'execa';
import { join } from 'node:path';
import t from 'tap';
import { renderBugLog } from '../../reporters/compare/bug-log.ts';
import { compareResultDirs } from '../../reporters/compare/compare-dirs.ts';
import { compareRuns, type RunInput } from '../../reporters/compare/comparison.ts';
import { loadKnownIssues, parseKnownIssues } from '../../reporters/compare/known-issues.ts';
import { renderComparison } from '../../reporters/compare/render.ts';
import { main } from '../../runner/cli.ts';
import { emptyTotals, timeAttribute, type Status, type TestResult } from '../../runner/results/igt.ts';

const fixtures = new URL('../fixtures/results/', import.meta.url).pathname;
const root = new URL('../../', import.meta.url).pathname;

type TestSpec = Status | (Partial<TestResult> & { result: Status });

/** A run of `build` on `host` with the given test statuses; links name build, host and test. */
function run(build: string, host: string, tests: Record<string, TestSpec>): RunInput {
  const full: Record<string, TestResult> = {};
  for (const [name, spec] of Object.entries(tests)) {
    const s = typeof spec === 'string' ? { result: spec } : spec;
    full[name] = { out: '', err: '', dmesg: '', time: timeAttribute(0, 0.25), ...s };
  }
  return {
    results: {
      __type__: 'TestrunResult',
      results_version: 10,
      name: `${build}-${host}`,
      uname: `Linux ${host} ${build}`,
      time_elapsed: timeAttribute(0, 1),
      tests: full,
      totals: { root: emptyTotals() },
      runtimes: {},
      metadata: { build, host },
    },
    link: (test) => `https://ci.example/${build}/${host}/${test}.html`,
  };
}

const section = (log: string, title: string) => {
  const start = log.indexOf(`${title}\n`);
  if (start < 0) return undefined;
  const rest = log.slice(start + title.length + 1);
  const end = rest.search(/\n(?:[A-Z][a-z ]+\(?.*\n-+\n|#### )/);
  return end < 0 ? rest : rest.slice(0, end);
};

t.test('fixtures: PASS -> INCOMPLETE is a possible regression and the verdict is FAILURE', async (t) => {
  const c = await compareResultDirs(join(fixtures, 'base'), join(fixtures, 'patch'));
  t.equal(c.verdict, 'FAILURE');
  const log = renderBugLog(c);
  t.match(log, /^CI Bug Log - changes from linux-6\.2 -> linux-6\.2\+drm-shmem-resv-lock\n={68}\n\nSummary\n-------\n\n {2}\*\*FAILURE\*\*\n\n {2}Serious unknown changes coming with linux-6\.2\+drm-shmem-resv-lock absolutely need to be\n {2}verified manually\.\n/);
  t.ok(
    log.includes(
      [
        '#### Possible regressions ####',
        '',
        '  * igt@prime_vgem@sync@rcs0:',
        '    - sim-host:           [PASS][1] -> [INCOMPLETE][2]',
        `   [1]: ${join(fixtures, 'base', 'index.html')}#igt@prime_vgem@sync@rcs0`,
        `   [2]: ${join(fixtures, 'patch', 'index.html')}#igt@prime_vgem@sync@rcs0`,
      ].join('\n'),
    ),
    log,
  );
  t.match(log, /Participating hosts \(1 -> 1\)\n-{28}\n\n {2}No changes in participating hosts\n/);
  t.match(log, /Build changes\n-------------\n\n {2}\* Linux: linux-6\.2 -> linux-6\.2\+drm-shmem-resv-lock\n/);
  t.notMatch(log, /Known issues\n/);
  const order = ['Summary', 'Participating hosts', 'Possible new issues', 'Build changes'].map((s) => log.indexOf(`\n${s}`));
  t.same(order, [...order].sort((a, b) => a - b), 'sections in CI Bug Log order');
});

t.test('fixtures: two identical runs are a SUCCESS with no changes', async (t) => {
  const c = await compareResultDirs(join(fixtures, 'base'), join(fixtures, 'base'));
  t.equal(c.verdict, 'SUCCESS');
  t.same(c.changes, []);
  const log = renderBugLog(c);
  t.match(log, /\*\*SUCCESS\*\*\n\n {2}No regressions found\.\n/);
  t.match(log, /Changes\n-------\n\n {2}No changes found\n/);
  t.notMatch(log, /Possible new issues/);
});

t.test('fixtures with config/known-issues.yaml: the deadlock is a known issue and the verdict SUCCESS', async (t) => {
  const knownIssues = await loadKnownIssues(join(root, 'config', 'known-issues.yaml'));
  const c = await compareResultDirs(join(fixtures, 'base'), join(fixtures, 'patch'), { knownIssues });
  t.equal(c.verdict, 'SUCCESS');
  const log = renderBugLog(c);
  t.notMatch(log, /Possible new issues/);
  const known = section(log, 'Known issues');
  t.ok(known, 'a Known issues section');
  t.match(log, /#### Issues hit ####\n\n {2}\* igt@prime_vgem@sync@rcs0:\n {4}- sim-host: {11}\[PASS\]\[1\] -> \[INCOMPLETE\]\[2\] \(\[dri-devel#116000\]\)\n/);
  t.match(log, /\n {2}\[dri-devel#116000\]: https:\/\/patchwork\.freedesktop\.org\/series\/116000\/\n/);
});

t.test('a known-issue filter needs every criterion it sets to match', async (t) => {
  const base = run('b', 'h1', { 'igt@a@x': 'pass' });
  const patch = run('p', 'h1', { 'igt@a@x': { result: 'incomplete', dmesg: 'lockdep: possible recursive locking detected' } });
  const known = (filter: string) =>
    compareRuns([base], [patch], {
      knownIssues: parseKnownIssues(`issues:\n  - title: t\n    bugs: {b#1: "https://bugs.example/1"}\n    filters:\n      - ${filter}\n`, 'k.yaml'),
    }).changes[0]!.known;
  t.equal(known('{tests: ["igt@a@.*"], statuses: [incomplete], dmesg: "recursive locking"}'), true);
  t.equal(known('{tests: ["IGT@A@X"]}'), true, 'test names match case-insensitively');
  t.equal(known('{tests: ["igt@a"]}'), false, 'test regexes match whole names');
  t.equal(known('{tests: ["igt@a@x"], statuses: [timeout]}'), false);
  t.equal(known('{hosts: ["h2"]}'), false);
  t.equal(known('{out: "recursive"}'), false, 'out is not dmesg');
  t.equal(known('{dmesg: "^lockdep:"}'), true);
});

t.test('warnings, fixes, new tests, suppressed results, host changes and similar issues', async (t) => {
  const knownIssues = parseKnownIssues(
    [
      'issues:',
      '  - title: flaky fences',
      '    bugs: {"fdo#1": "https://bugs.example/1"}',
      '    filters:',
      '      - tests: ["igt@fence@.*"]',
      '        statuses: [fail]',
      'untrusted:',
      '  - hosts: ["flaky-.*"]',
    ].join('\n'),
    'k.yaml',
  );
  const base = [
    run('base', 'h1', { 'igt@a@warn': 'fail', 'igt@a@fix': 'fail', 'igt@fence@1': 'pass', 'igt@fence@2': 'pass', 'igt@fence@old': 'fail', 'igt@a@same': 'fail' }),
    run('base', 'gone', { 'igt@a@warn': 'pass' }),
    run('base', 'flaky-1', { 'igt@a@warn': 'pass' }),
    run('base', 'h3', { 'igt@fence@1': 'pass' }),
    run('base', 'h4', { 'igt@fence@1': 'pass' }),
  ];
  const patch = [
    run('patch', 'h1', {
      'igt@a@warn': 'incomplete',
      'igt@a@fix': 'pass',
      'igt@fence@1': 'fail',
      'igt@fence@2': 'fail',
      'igt@fence@old': 'pass',
      'igt@a@same': 'fail',
      'igt@new@ok': 'pass',
      'igt@new@bad': 'crash',
    }),
    run('patch', 'h2', { 'igt@new@ok': { result: 'skip', time: timeAttribute(0, 1.5) } }),
    run('patch', 'flaky-1', { 'igt@a@warn': 'dmesg-warn' }),
    run('patch', 'h3', { 'igt@fence@1': 'fail' }),
    run('patch', 'h4', { 'igt@fence@1': 'fail' }),
  ];
  const c = compareRuns(base, patch, { knownIssues });
  t.equal(c.verdict, 'FAILURE', 'the new crashing test is an unknown regression');
  const kinds = c.changes.map((x) => [x.test, x.host, x.kind, x.known, x.suppressed]);
  t.same(kinds, [
    ['igt@a@warn', 'flaky-1', 'regression', false, true],
    ['igt@a@fix', 'h1', 'fix', false, false],
    ['igt@a@warn', 'h1', 'warning', false, false],
    ['igt@fence@1', 'h1', 'regression', true, false],
    ['igt@fence@2', 'h1', 'regression', true, false],
    ['igt@fence@old', 'h1', 'fix', true, false],
    ['igt@new@bad', 'h1', 'regression', false, false],
    ['igt@fence@1', 'h3', 'regression', true, false],
    ['igt@fence@1', 'h4', 'regression', true, false],
  ]);

  const log = renderBugLog(c);
  t.match(log, /Participating hosts \(5 -> 5\)\n-+\n\n {2}Additional \(1\): h2\n {2}Missing {4}\(1\): gone\n/);
  t.match(log, /#### Possible regressions ####\n\n {2}\* igt@new@bad \(NEW\):\n {4}- h1: {17}NOTRUN -> \[CRASH\]\[1\]\n {3}\[1\]: https:\/\/ci\.example\/patch\/h1\/igt@new@bad\.html\n/);
  t.match(log, /#### Warnings ####\n\n {2}\* igt@a@warn:\n {4}- h1: {17}\[FAIL\]\[2\] -> \[INCOMPLETE\]\[3\]\n/);
  t.match(log, /#### Suppressed ####\n\n {2}The following results come from untrusted machines, tests, or statuses\.\n {2}They do not affect the overall result\.\n\n {2}\* \{igt@a@warn\}:\n {4}- \{flaky-1\}: {10}\[PASS\]\[4\] -> \[DMESG-WARN\]\[5\]\n/);
  t.match(log, /New tests\n---------\n\n {2}New tests have been introduced between base and patch:\n\n### New IGT tests \(2\) ###\n\n {2}\* igt@new@bad:\n {4}- Statuses : 1 crash\(s\)\n {4}- Exec time: \[0\.25\] s\n\n {2}\* igt@new@ok:\n {4}- Statuses : 1 pass\(s\) 1 skip\(s\)\n {4}- Exec time: \[0\.25, 1\.50\] s\n/);
  t.match(log, /#### Issues hit ####\n\n {2}\* igt@fence@1:\n {4}- h1: {17}\[PASS\]\[6\] -> \[FAIL\]\[7\] \(\[fdo#1\]\) \+2 similar issues\n[^*]*\* igt@fence@2:\n {4}- h1: {17}\[PASS\]\[8\] -> \[FAIL\]\[9\] \(\[fdo#1\]\)\n/);
  t.notMatch(log, /- h3:/, 'the same change on other hosts is folded into the first');
  t.match(log, /#### Possible fixes ####\n\n {2}\* igt@a@fix:\n {4}- h1: {17}\[FAIL\]\[10\] -> \[PASS\]\[11\]\n[\s\S]*\* igt@fence@old:\n {4}- h1: {17}\[FAIL\]\[12\] \(\[fdo#1\]\) -> \[PASS\]\[13\]\n/);
  t.match(log, /\{name\}: This element is suppressed\./);
  t.notMatch(log, /igt@a@same/, 'the same failure on both sides is no change');
  t.same(c.bugs, { 'fdo#1': 'https://bugs.example/1' });
  const unchanged = compareRuns([run('b', 'h', { 'igt@fence@1': 'fail' })], [run('p', 'h', { 'igt@fence@1': 'fail' })], { knownIssues });
  t.same(unchanged.bugs, {}, 'bug links only for the bugs of listed changes');
  const order = ['Summary', 'Participating hosts', 'Possible new issues', 'New tests', 'Known issues', 'Build changes'].map((s) => log.indexOf(`\n${s}`));
  t.same(order, [...order].sort((a, b) => a - b));
});

t.test('verdict rules: unknown warnings only → WARNING; known or suppressed changes do not count', async (t) => {
  const warning = compareRuns([run('b', 'h', { 'igt@a@b': 'fail' })], [run('p', 'h', { 'igt@a@b': 'timeout' })]);
  t.equal(warning.verdict, 'WARNING');
  t.match(renderBugLog(warning), /\*\*WARNING\*\*\n\n {2}Minor unknown changes coming with p need to be verified\n {2}manually\./);
  const fixOnly = compareRuns([run('b', 'h', { 'igt@a@b': 'fail' })], [run('p', 'h', { 'igt@a@b': 'pass' })]);
  t.equal(fixOnly.verdict, 'SUCCESS');
  const suppressed = compareRuns([run('b', 'h', { 'igt@a@b': 'pass' })], [run('p', 'h', { 'igt@a@b': 'fail' })], {
    knownIssues: parseKnownIssues('untrusted:\n  - statuses: [fail]\n', 'k.yaml'),
  });
  t.equal(suppressed.verdict, 'SUCCESS');
  const skipped = compareRuns([run('b', 'h', { 'igt@a@b': 'pass' })], [run('p', 'h', { 'igt@a@b': 'notrun', 'igt@a@c': 'notrun' })]);
  t.same(skipped.changes, [], 'tests not run on the patch are not compared');
});

t.test('several results on one host, and hosts the two sides do not share', async (t) => {
  const c = compareRuns(
    [run('b', 'h', { 'igt@a@b': 'pass' }), run('b', 'h', { 'igt@a@b': 'fail' })],
    [run('p', 'h', { 'igt@a@b': 'fail' })],
  );
  t.match(renderBugLog(c), /- h: {18}\(\[PASS\]\[1\], \[FAIL\]\[2\]\) -> \[FAIL\]\[3\]\n/);
  t.equal(c.verdict, 'WARNING', 'not every base result passed');
  const apart = compareRuns([run('b', 'x', { 'igt@a@b': 'pass' })], [run('p', 'y', { 'igt@a@b': 'fail' })]);
  t.same(apart.changes.map((ch) => [ch.host, ch.kind]), [['y', 'regression']], 'no shared host: compared with all base results');
});

t.test('series details, external URL and logs', async (t) => {
  const c = compareRuns([run('b', 'h', {})], [run('p', 'h', {})], {
    series: { name: 'drm/shmem: use the reservation lock (rev2)', url: 'https://patchwork.example/series/7/' },
    externalUrl: 'https://ci.example/p/index.html',
  });
  const log = renderBugLog(c);
  t.match(log, /^== Series Details ==\n\nSeries: drm\/shmem: use the reservation lock \(rev2\)\nURL {3}: https:\/\/patchwork\.example\/series\/7\/\nState : success\n\n== Summary ==\n\nCI Bug Log - changes from b -> p\n/);
  t.match(log, /No regressions found\.\n\n {2}External URL: https:\/\/ci\.example\/p\/index\.html\n/);
  t.match(log, /\n== Logs ==\n\nFor more details see: https:\/\/ci\.example\/p\/index\.html\n$/);
});

t.test('json and markdown renderings of the comparison', async (t) => {
  const c = await compareResultDirs(join(fixtures, 'base'), join(fixtures, 'patch'), { resultsUrl: 'https://ci.example/tree/' });
  const json = JSON.parse(renderComparison(c, 'json'));
  t.match(json, { __type__: 'primeci.Comparison', verdict: 'FAILURE', base: { build: 'linux-6.2', hosts: ['sim-host'] } });
  t.equal(json.changes[0].after[0].url, 'https://ci.example/tree/linux-6.2%2Bdrm-shmem-resv-lock/sim-host/igt@prime_vgem@sync@rcs0.html');
  t.equal(json.externalUrl, 'https://ci.example/tree/linux-6.2%2Bdrm-shmem-resv-lock/index.html');
  const md = renderComparison(c, 'markdown');
  t.match(md, /^## CI Bug Log: linux-6\.2 → linux-6\.2\+drm-shmem-resv-lock: \*\*FAILURE\*\*\n/);
  t.match(md, /\| possible regression \| `igt@prime_vgem@sync@rcs0` \| sim-host \| PASS \| INCOMPLETE \| {2}\|/);
  t.match(md, /```text\nCI Bug Log - changes from/);
});

t.test('known-issues files: errors carry file:line:col', async (t) => {
  const error = (text: string) => {
    try {
      parseKnownIssues(text, 'known.yaml');
      return 'no error';
    } catch (e) {
      return (e as Error).message;
    }
  };
  const issue = (filter: string, bugs = '{x#1: "https://bugs.example/1"}') => `issues:\n  - title: t\n    bugs: ${bugs}\n    filters:\n      - ${filter}\n`;
  t.equal(error(issue('{tests: ["igt@(a"]}')), 'known.yaml:5:18: issues.0.filters.0.tests.0: invalid regular expression: Invalid regular expression: /igt@(a/i: Unterminated group');
  t.equal(error(issue('{dmesg: "[z-a]"}')), 'known.yaml:5:17: issues.0.filters.0.dmesg: invalid regular expression: Invalid regular expression: /[z-a]/m: Range out of order in character class');
  t.equal(error(issue('{test: ["igt@a"]}')), 'known.yaml:5:10: issues.0.filters.0: unknown key "test"');
  t.match(error(issue('{statuses: [failed]}')), /^known\.yaml:5:21: issues\.0\.filters\.0\.statuses\.0: /);
  t.match(error(issue('{tests: ["a"]}', '{x#1: "not a url"}')), /^known\.yaml:3:17: issues\.0\.bugs\.x#1: /);
  t.match(error('issues:\n  - title: t\n    filters: [{}]\n'), /^known\.yaml:2:5: issues\.0\.bugs: /);
  t.match(error('issues: [\n'), /^known\.yaml:\d+:\d+: /);
  t.equal(error('isues: []\n'), 'known.yaml:1:1: (top level): unknown key "isues"');
  await t.rejects(loadKnownIssues('/nonexistent/known.yaml'), { message: /^\/nonexistent\/known\.yaml: cannot read known issues/ });
});

t.test('primeci compare: exit codes and messages', async (t) => {
  const primeci = (...args: string[]) => execa('node', ['bin/primeci.js', ...args], { reject: false, cwd: root });
  const failure = await primeci('compare', join(fixtures, 'base'), join(fixtures, 'patch'));
  t.equal(failure.exitCode, 1);
  t.match(failure.stdout, /\[PASS\]\[1\] -> \[INCOMPLETE\]\[2\]/);
  const known = await primeci('compare', join(fixtures, 'base'), join(fixtures, 'patch'), '--known-issues', 'config/known-issues.yaml');
  t.equal(known.exitCode, 0);
  t.match(known.stdout, /#### Issues hit ####/);
  const files = await primeci('compare', join(fixtures, 'base', 'results.json'), join(fixtures, 'patch', 'results.json'));
  t.equal(files.exitCode, 1);
  t.match(files.stdout, `[2]: ${join(fixtures, 'patch', 'index.html')}#igt@prime_vgem@sync@rcs0`, 'links go to the page beside a results.json');
  const same = await primeci('compare', join(fixtures, 'patch'), join(fixtures, 'patch'), '--format', 'json');
  t.equal(same.exitCode, 0);
  t.equal(JSON.parse(same.stdout).verdict, 'SUCCESS');
  const bad: [string[], RegExp][] = [
    [[join(fixtures, 'base')], /usage: primeci compare BASE PATCH/],
    [[join(fixtures, 'base'), join(fixtures, 'patch'), '--format', 'pdf'], /--format pdf: expected one of text, json, markdown, html/],
    [[join(fixtures, 'base'), join(fixtures, 'nothing')], /nothing: no such results directory/],
    [[join(fixtures, 'base'), join(fixtures, 'patch'), '--known-issues', join(fixtures, 'base', 'metadata.txt')], /metadata\.txt:1:1: \(top level\): /],
    [[join(fixtures, 'base'), join(fixtures, 'patch'), '--series-url', 'https://x'], /--series-url needs --series NAME/],
  ];
  // In process (stderr only: stdout carries this test's TAP).
  const stderr = t.capture(process.stderr, 'write');
  for (const [args, message] of bad) {
    t.equal(await main(['compare', ...args]), 2, args.join(' '));
    t.match(stderr().map((call) => String(call.args[0])).join(''), message);
  }
  stderr.restore();
});
