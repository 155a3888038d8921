// The series check with a fake target: which prefixes it runs into which
// folders, with which tests, and what it leaves in the results root for the
// later commands.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { readCiRoot, seriesRunDir } from '../../reporters/compare/ci-root.ts';
import { compareCiRoot } from '../../reporters/compare/compare-dirs.ts';
import { parseKnownIssues } from '../../reporters/compare/known-issues.ts';
import { perPatchStates } from '../../reporters/patchwork/per-patch.ts';
import { readResults } from '../../reporters/results-reader.ts';
import { checkSeries } from '../../runner/ci/check-series.ts';
import type { SeriesTarget } from '../../runner/ci/target.ts';
import { emptyTotals, timeAttribute, type Status, type TestrunResult } from '../../runner/results/igt.ts';

const TESTS = ['igt@a@pass', 'igt@b@sync', 'igt@c@import'];

/** Prefix k of a 3-patch series: patch 2 makes igt@b@sync incomplete, patch 3 makes igt@c@import fail. */
function statusAt(prefix: number, test: string): Status {
  if (test === 'igt@b@sync' && prefix >= 2) return 'incomplete';
  if (test === 'igt@c@import' && prefix >= 3) return 'fail';
  return 'pass';
}

function fakeTarget() {
  const runs: { prefix: number; dir: string; tests: readonly string[] | 'all' }[] = [];
  const builds = ['base', 'base+p1', 'base+p1+p2', 'base+p1+p2+p3'];
  const target: SeriesTarget = {
    subjects: ['p1: tidy up', 'p2: take the resv lock', 'p3: shmem backing for imports'],
    describe: (prefix) => builds[prefix]!,
    async run(prefix, dir, tests) {
      runs.push({ prefix, dir, tests });
      const names = tests === 'all' ? TESTS : tests;
      const results: TestrunResult = {
        __type__: 'TestrunResult',
        results_version: 10,
        name: builds[prefix]!,
        uname: `Linux fake-host ${builds[prefix]}`,
        time_elapsed: timeAttribute(0, 1),
        tests: Object.fromEntries(
          names.map((test) => [test, { out: '', err: '', dmesg: 'possible recursive locking detected', result: statusAt(prefix, test), time: timeAttribute(0, 0.1) }]),
        ),
        totals: { root: emptyTotals() },
        runtimes: {},
        metadata: { build: builds[prefix]!, host: 'fake-host' },
      };
      await mkdir(dir);
      await writeFile(join(dir, 'results.json'), JSON.stringify(results));
    },
  };
  return { target, runs };
}

t.test('a 3-patch series: base and whole series run in full, probes run the regressed tests once per prefix', async (t) => {
  const root = join(await mkdtemp(join(tmpdir(), 'primeci-series-')), 'root');
  const { target, runs } = fakeTarget();
  const c = await checkSeries(target, { root });
  t.same(
    runs.map((r) => [r.prefix, r.dir, r.tests]),
    [
      [0, join(root, 'base'), 'all'],
      [3, join(root, 'patch-3-of-3'), 'all'],
      [1, join(root, 'patch-1-of-3'), ['igt@b@sync', 'igt@c@import']],
      [2, join(root, 'patch-2-of-3'), ['igt@b@sync', 'igt@c@import']],
    ],
  );
  t.equal(c.verdict, 'FAILURE');
  t.same(c.attribution, {
    patches: [
      { index: 1, subject: 'p1: tidy up', build: 'base+p1' },
      { index: 2, subject: 'p2: take the resv lock', build: 'base+p1+p2' },
      { index: 3, subject: 'p3: shmem backing for imports', build: 'base+p1+p2+p3' },
    ],
    firstBad: { 'igt@b@sync': 2, 'igt@c@import': 3 },
    runs: [
      { prefix: 0, results: 'base', tests: 'all' },
      { prefix: 3, results: 'patch-3-of-3', tests: 'all' },
      { prefix: 1, results: 'patch-1-of-3', tests: ['igt@b@sync', 'igt@c@import'] },
      { prefix: 2, results: 'patch-2-of-3', tests: ['igt@b@sync', 'igt@c@import'] },
    ],
  });
  t.same(perPatchStates(c).map((p) => p.state), ['success', 'fail', 'fail']);

  // What the root keeps: the comparison, its page, and the runs later commands read.
  const saved = await readCiRoot(root);
  t.same(saved?.comparison, JSON.parse(JSON.stringify(c)));
  t.match(await readFile(join(root, 'index.html'), 'utf8'), /<caption>Per-patch results/);
  t.equal(seriesRunDir(saved!), join(root, 'patch-3-of-3'));
  t.equal((await readResults(root)).name, 'base+p1+p2+p3', 'a results root reads as its whole-series run');

  // Compared again with known issues: nothing runs, the attribution stays, the verdict follows the issues.
  const knownIssues = parseKnownIssues(
    "issues:\n  - title: t\n    bugs: {'bug#1': 'https://bugs.example/1'}\n    filters: [{tests: ['igt@.*'], statuses: [incomplete, fail]}]\n",
    'known.yaml',
  );
  const again = await compareCiRoot(saved!, { knownIssues });
  t.equal(runs.length, 4, 'no run');
  t.equal(again.verdict, 'SUCCESS');
  t.same(again.attribution, c.attribution);
  t.same(perPatchStates(again).map((p) => p.state), ['success', 'success', 'success'], 'known regressions fail no patch');
});

t.test('a given base run is not run again and is named relative to the root', async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), 'primeci-series-'));
  const first = fakeTarget();
  await first.target.run(0, join(tmp, 'cached-base'), 'all');
  const { target, runs } = fakeTarget();
  const c = await checkSeries(target, { root: join(tmp, 'root'), baseResults: join(tmp, 'cached-base') });
  t.same(runs.map((r) => r.prefix), [3, 1, 2]);
  t.same(c.attribution?.runs[0], { prefix: 0, results: '../cached-base', tests: 'all' });
  t.same(c.attribution?.firstBad, { 'igt@b@sync': 2, 'igt@c@import': 3 });
});

t.test('no regression: nothing is probed and every patch changes nothing', async (t) => {
  const root = join(await mkdtemp(join(tmpdir(), 'primeci-series-')), 'root');
  const { target, runs } = fakeTarget();
  const passing: SeriesTarget = { ...target, subjects: target.subjects.slice(0, 1) };
  const c = await checkSeries(passing, { root });
  t.same(runs.map((r) => r.prefix), [0, 1]);
  t.equal(c.verdict, 'SUCCESS');
  t.same(c.attribution?.firstBad, {});
  t.same(perPatchStates(c), [{ index: 1, state: 'success', description: '[PATCH 1/1] brings no unknown regression' }]);
});
