// A checked series in every report format, in Patchwork's per-patch states,
// and read back from comparison.json and from a results root.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { renderBugLog } from '../../reporters/compare/bug-log.ts';
import { readCiRoot } from '../../reporters/compare/ci-root.ts';
import { parseComparison } from '../../reporters/compare/comparison-file.ts';
import { compareRuns, type Comparison, type RunInput, type SeriesAttribution } from '../../reporters/compare/comparison.ts';
import { parseKnownIssues } from '../../reporters/compare/known-issues.ts';
import { renderComparison } from '../../reporters/compare/render.ts';
import { firstBadPatch, perPatchStates } from '../../reporters/patchwork/per-patch.ts';
import { readSubject } from '../../reporters/patchwork/subject.ts';
import { emptyTotals, timeAttribute, type Status } from '../../runner/results/igt.ts';

function run(build: string, tests: Record<string, Status>): RunInput {
  return {
    results: {
      __type__: 'TestrunResult',
      results_version: 10,
      name: build,
      uname: `Linux sim-host ${build}`,
      time_elapsed: timeAttribute(0, 1),
      tests: Object.fromEntries(Object.entries(tests).map(([name, result]) => [name, { out: '', err: '', dmesg: '', result, time: timeAttribute(0, 0.1) }])),
      totals: { root: emptyTotals() },
      runtimes: {},
      metadata: { build, host: 'sim-host' },
    },
    link: (test) => `https://ci.example/${build}/${test}.html`,
  };
}

const attribution: SeriesAttribution = {
  patches: [
    { index: 1, subject: 'drm/shmem-helper: tidy up', build: 'b+p1' },
    { index: 2, subject: 'drm/shmem-helper: switch to reservation lock', build: 'b+p1+p2' },
    { index: 3, subject: 'drm/vgem: shmem | backing', build: 'b+p1+p2+p3' },
  ],
  firstBad: { 'igt@prime_vgem@sync@rcs0': 2, 'igt@vgem_import_mmap@importer-mmap-refused': 3, 'igt@prime_busy@known': 3 },
  runs: [
    { prefix: 0, results: 'base', tests: 'all' },
    { prefix: 3, results: 'patch-3-of-3', tests: 'all' },
    { prefix: 1, results: 'patch-1-of-3', tests: ['igt@prime_busy@known', 'igt@prime_vgem@sync@rcs0', 'igt@vgem_import_mmap@importer-mmap-refused'] },
    { prefix: 2, results: 'patch-2-of-3', tests: ['igt@prime_busy@known', 'igt@prime_vgem@sync@rcs0', 'igt@vgem_import_mmap@importer-mmap-refused'] },
  ],
};

const KNOWN = parseKnownIssues("issues:\n  - title: t\n    bugs: {'bug#9': 'https://bugs.example/9'}\n    filters: [{tests: ['igt@prime_busy@known']}]\n", 'known.yaml');

function checked(): Comparison {
  const base = run('b', {
    'igt@prime_vgem@sync@rcs0': 'pass',
    'igt@vgem_import_mmap@importer-mmap-refused': 'pass',
    'igt@prime_busy@known': 'pass',
    'igt@prime_busy@was-failing': 'fail',
  });
  const series = run('b+p1+p2+p3', {
    'igt@prime_vgem@sync@rcs0': 'incomplete',
    'igt@vgem_import_mmap@importer-mmap-refused': 'fail',
    'igt@prime_busy@known': 'fail',
    'igt@prime_busy@was-failing': 'pass',
  });
  return { ...compareRuns([base], [series], { knownIssues: KNOWN }), attribution };
}

t.test('text: first bad beside each regression, and the per-patch section', async (t) => {
  const log = renderBugLog(checked());
  t.ok(
    log.includes(
      [
        '  * igt@prime_vgem@sync@rcs0:',
        '    - sim-host:           [PASS][1] -> [INCOMPLETE][2]',
        '      first bad: [PATCH 2/3] drm/shmem-helper: switch to reservation lock',
        '   [1]: https://ci.example/b/igt@prime_vgem@sync@rcs0.html',
      ].join('\n'),
    ),
    log,
  );
  t.match(log, /#### Issues hit ####\n\n {2}\* igt@prime_busy@known:\n {4}- sim-host: +\[PASS\]\[\d\] -> \[FAIL\]\[\d\] \(\[bug#9\]\)\n {6}first bad: \[PATCH 3\/3\] drm\/vgem: shmem \| backing\n/);
  t.match(log, /#### Possible fixes ####\n\n {2}\* igt@prime_busy@was-failing:\n {4}- sim-host: +\[FAIL\]\[\d\] -> \[PASS\]\[\d\]\n {3}\[/, 'a fix has no first bad patch');
  t.ok(
    log.includes(
      [
        'Per-patch results (3 patches)',
        '-----------------------------',
        '',
        '  [PATCH 1/3] drm/shmem-helper: tidy up',
        '    changes nothing',
        '  [PATCH 2/3] drm/shmem-helper: switch to reservation lock',
        '    first breaks: igt@prime_vgem@sync@rcs0',
        '  [PATCH 3/3] drm/vgem: shmem | backing',
        '    first breaks: igt@prime_busy@known',
        '                  igt@vgem_import_mmap@importer-mmap-refused',
        '',
        '  Runs: base, 1/3 (3 tests), 2/3 (3 tests), 3/3',
        '',
        'Participating hosts',
      ].join('\n'),
    ),
    log,
  );
  t.notMatch(renderBugLog({ ...checked(), attribution: undefined }), /first bad|Per-patch/, 'a plain comparison has neither');
});

t.test('markdown, html and json carry the attribution', async (t) => {
  const c = checked();
  const md = renderComparison(c, 'markdown');
  t.match(md, /\| Patch \| Subject \| First breaks \|\n\| --- \| --- \| --- \|\n\| 1\/3 \| drm\/shmem-helper: tidy up \| changes nothing \|\n\| 2\/3 \| drm\/shmem-helper: switch to reservation lock \| `igt@prime_vgem@sync@rcs0` \|\n\| 3\/3 \| drm\/vgem: shmem \\\| backing \| `igt@prime_busy@known`<br>`igt@vgem_import_mmap@importer-mmap-refused` \|\n/);
  t.match(md, /\| Section \| Test \| Host \| Base \| Patch \| Bugs \| First bad \|\n/);
  t.match(md, /\| possible regression \| `igt@prime_vgem@sync@rcs0` \| sim-host \| PASS \| INCOMPLETE \| {2}\| \[PATCH 2\/3\] drm\/shmem-helper: switch to reservation lock \|\n/);
  t.match(md, /\| possible fix \| `igt@prime_busy@was-failing` \| sim-host \| FAIL \| PASS \| {2}\| {2}\|\n/);
  t.notMatch(renderComparison({ ...c, attribution: undefined }, 'markdown'), /First bad|First breaks/);

  const html = renderComparison(c, 'html');
  t.match(html, /<table id="overview">\n<caption>Per-patch results \(runs: base, 1\/3 \(3 tests\), 2\/3 \(3 tests\), 3\/3\)<\/caption>/);
  t.match(html, /<tr><td>1\/3<\/td><td>drm\/shmem-helper: tidy up<\/td><td>changes nothing<\/td><\/tr>/);
  t.match(html, /<th>first bad<\/th>/);
  t.match(html, /<td>INCOMPLETE<\/td><td><\/td><td>\[PATCH 2\/3\] drm\/shmem-helper: switch to reservation lock<\/td>/);
  t.notMatch(renderComparison({ ...c, attribution: undefined }, 'html'), /<table id="overview"|first bad/);

  const json = JSON.parse(renderComparison(c, 'json'));
  t.same(parseComparison(json, 'c.json').attribution, attribution, 'the JSON reads back whole');
});

t.test('comparison.json: an inconsistent attribution is refused with its place', async (t) => {
  const json = JSON.parse(renderComparison(checked(), 'json'));
  const bad = (change: (a: SeriesAttribution) => void) => {
    const copy = structuredClone(json);
    change(copy.attribution);
    return () => parseComparison(copy, 'c.json');
  };
  t.throws(bad((a) => (a.firstBad['igt@x'] = 4)), { message: /^c\.json: not a primeci comparison:\n {2}at attribution\.firstBad\.igt@x: the series has 3 patches/ });
  t.throws(bad((a) => (a.patches[1]!.index = 5)), { message: /at attribution\.patches\.1\.index: expected 2/ });
  t.throws(bad((a) => (a.runs[0]!.prefix = 9)), { message: /at attribution\.runs\.0\.prefix: the series has 3 patches/ });
  t.throws(bad((a) => (a.patches = [])), { message: /at attribution\.patches: / });
});

t.test('Patchwork: patches before the first bad one pass, it and the later ones fail', async (t) => {
  const c = checked();
  t.equal(firstBadPatch(c), 2);
  t.same(perPatchStates(c), [
    { index: 1, state: 'success', description: '[PATCH 1/3] brings no unknown regression' },
    { index: 2, state: 'fail', description: '[PATCH 2/3] is the first bad patch: first breaks 1 test: igt@prime_vgem@sync@rcs0' },
    {
      index: 3,
      state: 'fail',
      description: '[PATCH 3/3] comes after the first bad patch 2/3; it first breaks 1 test: igt@vgem_import_mmap@importer-mmap-refused',
    },
  ]);
  // Only the known regression is left: no patch fails.
  const onlyKnown = { ...c, changes: c.changes.filter((x) => x.known || x.kind === 'fix') };
  t.equal(firstBadPatch(onlyKnown), undefined);
  t.same(perPatchStates(onlyKnown).map((p) => p.state), ['success', 'success', 'success']);
  t.throws(() => perPatchStates({ ...c, attribution: undefined }), { name: 'ReportInputError', message: /b -> b\+p1\+p2\+p3 is not a series check/ });
});

t.test('a results root: what is and is not one', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'primeci-root-'));
  t.equal(await readCiRoot(dir), undefined, 'a folder without comparison.json is not a root');
  t.equal(await readCiRoot(join(dir, 'missing')), undefined);
  await writeFile(join(dir, 'comparison.json'), '{"__type__": "primeci.Comparison",');
  await t.rejects(readCiRoot(dir), { name: 'ReportInputError', message: `${join(dir, 'comparison.json')}: not valid JSON` });
  const plain = { ...checked(), attribution: undefined };
  await writeFile(join(dir, 'comparison.json'), renderComparison(plain, 'json'));
  await t.rejects(readCiRoot(dir), { message: `${join(dir, 'comparison.json')}: not a series check (no "attribution"); compare its results directories instead` });
  const noSeriesRun = { ...checked(), attribution: { ...attribution, runs: attribution.runs.filter((r) => r.prefix !== 3) } };
  await writeFile(join(dir, 'comparison.json'), renderComparison(noSeriesRun, 'json'));
  await t.rejects(readCiRoot(dir), { message: /comparison\.json: no run of prefix 3 \(patch-3-of-3\)$/ });
  await writeFile(join(dir, 'comparison.json'), renderComparison(checked(), 'json'));
  const subject = await readSubject(dir);
  t.same('comparison' in subject && subject.comparison.attribution, attribution, 'primeci patchwork reads a root as its comparison');
});
