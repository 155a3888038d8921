// primeci ci: the per-patch check, on given results and end to end on the simulator.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parseComparison } from '../../reporters/compare/comparison-file.ts';
import { perPatchStates } from '../../reporters/patchwork/per-patch.ts';

const root = new URL('../../', import.meta.url).pathname;
const fixtures = join(root, 'test', 'fixtures', 'results');
const primeci = (...args: string[]) => execa('node', ['bin/primeci.js', 'ci', ...args], { cwd: root, reject: false });

t.test('ci on finished results directories', async (t) => {
  const given = ['--base-results', join(fixtures, 'base'), '--patch-results', join(fixtures, 'patch')];
  const failure = await primeci(...given, '--series', 'drm/shmem-helper: use the reservation lock', '--series-url', 'https://patchwork.example/series/116000/');
  t.equal(failure.exitCode, 1);
  t.match(failure.stdout, /^== Series Details ==\n\nSeries: drm\/shmem-helper: use the reservation lock\nURL {3}: https:\/\/patchwork\.example\/series\/116000\/\nState : failure\n/);
  t.match(failure.stdout, /#### Possible regressions ####\n\n {2}\* igt@prime_vgem@sync@rcs0:\n {4}- sim-host: {11}\[PASS\]\[1\] -> \[INCOMPLETE\]\[2\]\n/);
  const known = await primeci(...given, '--known-issues', 'config/known-issues.yaml', '--format', 'markdown');
  t.equal(known.exitCode, 0);
  t.match(known.stdout, /^## CI Bug Log: linux-6\.2 → linux-6\.2\+drm-shmem-resv-lock: \*\*SUCCESS\*\*\n/);
  const usage = await primeci('--base', 'linux-6.2');
  t.equal(usage.exitCode, 2);
  t.match(usage.stderr, /give --base BUILD \(or --base-results DIR\) and --patch BUILD/);
  const badBuild = await primeci('--base', 'linux-0.01-nonexistent', '--patch', 'linux-6.2', '--results-root', await mkdtemp(join(tmpdir(), 'primeci-ci-')));
  t.equal(badBuild.exitCode, 2);
  t.match(badBuild.stderr, /^primeci ci: --base linux-0\.01-nonexistent: unknown kernel profile 'linux-0\.01-nonexistent'/m);
  const badSuite = await primeci('--base', 'linux-6.2', '--patch', 'drm-shmem-resv-lock', 'suites/nonexistent.yaml', '--results-root', join(await mkdtemp(join(tmpdir(), 'primeci-ci-')), 'root'));
  t.equal(badSuite.exitCode, 2);
  t.match(badSuite.stderr, /suites\/nonexistent\.yaml:1:1: no such suite file[\s\S]*\nprimeci ci: the run of linux-6\.2 failed \(primeci run exit 2\); see the messages above$/);
  const refused: [string[], RegExp][] = [
    [['--base-results', join(fixtures, 'base'), '--patch-results', join(fixtures, 'patch'), '--patch', 'drm-shmem-resv-lock'], /--patch-results compares two finished runs: give it with --base-results and without --patch/],
    [['--base', 'linux-6.2', '--patch-results', join(fixtures, 'patch')], /--patch-results compares two finished runs/],
    [['--base', 'linux-6.2', '--base-results', join(fixtures, 'base'), '--patch', 'drm-shmem-resv-lock'], /give --base or --base-results, not both/],
    [['--base', 'linux-6.2', '--patch', 'drm-shmem-resv-lock', '--patch', 'no-such-patch'], /^primeci ci: --patch no-such-patch: 'no-such-patch' is not a kernel patch of config\/kernels\/patches\/$/m],
    [
      ['--base', 'linux-6.2', '--patch', 'fault-sync-skips-wait', '--patch', 'fault-sync-flags-unchecked'],
      /^primeci ci: --patch linux-6\.2\+fault-sync-skips-wait\+fault-sync-flags-unchecked: kernel patches 'fault-sync-skips-wait' and 'fault-sync-flags-unchecked' contradict each other/m,
    ],
    [['--base', 'linux-6.2', '--patch', 'drm-shmem-resv-lok'], /^primeci ci: --patch drm-shmem-resv-lok: 'drm-shmem-resv-lok' is not a kernel patch of config\/kernels\/patches\/$/m],
    [['--base', 'linux-6.2', '--patch', 'drm-shmem-resv-lock', '--results-root', fixtures], /^primeci ci: --results-root \S+ is not empty; choose a new folder$/m],
    [['--base', 'linux-6.2', '--patch', 'drm-shmem-resv-lock', '--backend', 'qemu'], /--backend qemu: no per-patch check for it \(choose sim\)/],
    [['--base', 'linux-6.2', '--patch', 'drm-shmem-resv-lock', '--format', 'pdf'], /--format pdf: expected one of text, json, markdown, html/],
  ];
  for (const [args, message] of refused) {
    const fresh = args.includes('--results-root') ? [] : ['--results-root', join(await mkdtemp(join(tmpdir(), 'primeci-ci-')), 'root')];
    const result = await primeci(...args, ...fresh);
    t.equal(result.exitCode, 2, args.join(' '));
    t.match(result.stderr, message);
    t.notMatch(result.stderr, /running/, 'refused before anything runs');
  }
});

const suite = join(root, 'suites', 'prime_vgem.yaml');
t.test(
  'ci --base linux-6.2 --patch linux-6.2+drm-shmem-resv-lock: the self-import mmap deadlock',
  { skip: existsSync(suite) ? false : 'suites/prime_vgem.yaml does not exist yet' },
  async (t) => {
    const builds = ['--base', 'linux-6.2', '--patch', 'linux-6.2+drm-shmem-resv-lock', 'suites/prime_vgem.yaml', '-t', 'igt@prime_vgem@sync@rcs0'];
    const resultsRoot = await mkdtemp(join(tmpdir(), 'primeci-ci-'));
    const failure = await primeci(...builds, '--results-root', resultsRoot);
    t.equal(failure.exitCode, 1, failure.stderr);
    t.match(failure.stdout, /^CI Bug Log - changes from linux-6\.2 -> linux-6\.2\+drm-shmem-resv-lock\n/);
    t.match(failure.stdout, /\*\*FAILURE\*\*/);
    t.match(failure.stdout, /#### Possible regressions ####\n\n(?:[\s\S]*?\n)?\s{2}\* igt@prime_vgem@sync@rcs0:\n {4}- \S+:\s+\[PASS\]\[\d+\] -> \[INCOMPLETE\]\[\d+\]\n/);
    t.match(failure.stdout, /\n {6}first bad: \[PATCH 1\/1\] drm\/shmem-helper - switch to reservation lock \(without the dma-buf locking change\)\n/, 'a build on top of the base is a series of its patches');
    t.match(await readFile(join(resultsRoot, 'patch-1-of-1', 'index.html'), 'utf8'), /igt@prime_vgem@sync@rcs0/, 'each run has the HTML page the links point at');

    const known = await primeci(
      '--base-results', join(resultsRoot, 'base'),
      '--patch-results', join(resultsRoot, 'patch-1-of-1'),
      '--known-issues', 'config/known-issues.yaml',
    );
    t.equal(known.exitCode, 0, known.stdout);
    t.match(known.stdout, /\*\*SUCCESS\*\*/);
    t.match(known.stdout, /#### Issues hit ####\n\n(?:[\s\S]*?\n)?\s{2}\* igt@prime_vgem@sync@rcs0:\n {4}- \S+:\s+\[PASS\]\[\d+\] -> \[INCOMPLETE\]\[\d+\] \(\[dri-devel#116000\]\)\n/);
  },
);

t.test(
  'ci on a 3-patch series: the first bad patch of each regression, then the results root read back',
  { skip: existsSync(suite) ? false : 'suites/prime_vgem.yaml does not exist yet' },
  async (t) => {
    // Patch 1 changes nothing on 6.2 (its free path already takes no lock), patch 2 deadlocks
    // prime_vgem@sync@rcs0, patch 3 lets vgem map an import's own pages.
    const series = ['--patch', 'drm-shmem-free-no-lock', '--patch', 'drm-shmem-resv-lock', '--patch', 'vgem-import-shmem-backing'];
    const selection = ['suites/prime_vgem.yaml', 'suites/vgem_import_mmap.yaml', '-t', 'prime_vgem@sync@rcs0', '-t', 'vgem_import_mmap@importer-mmap-refused'];
    const resultsRoot = join(await mkdtemp(join(tmpdir(), 'primeci-ci-')), 'root');
    const check = await primeci('--base', 'linux-6.2', ...series, ...selection, '--results-root', resultsRoot);
    t.equal(check.exitCode, 1, check.stderr);
    const subjects = [
      'drm/shmem-helper - do not take the reservation lock when freeing an object',
      'drm/shmem-helper - switch to reservation lock (without the dma-buf locking change)',
      'drm/vgem - imported objects get their own shmemfs backing (stale importer mmap)',
    ];
    t.ok(
      check.stdout.includes(
        [
          `  [PATCH 1/3] ${subjects[0]}`,
          '    changes nothing',
          `  [PATCH 2/3] ${subjects[1]}`,
          '    first breaks: igt@prime_vgem@sync@rcs0',
          `  [PATCH 3/3] ${subjects[2]}`,
          '    first breaks: igt@vgem_import_mmap@importer-mmap-refused',
          '',
          '  Runs: base, 1/3 (2 tests), 2/3 (2 tests), 3/3',
        ].join('\n'),
      ),
      check.stdout,
    );
    t.match(check.stdout, `  * igt@prime_vgem@sync@rcs0:\n    - sim-vm:             [PASS][1] -> [INCOMPLETE][2]\n      first bad: [PATCH 2/3] ${subjects[1]}\n`);
    t.match(check.stdout, `[PASS][3] -> [FAIL][4]\n      first bad: [PATCH 3/3] ${subjects[2]}\n`);
    const ran = [...check.stderr.matchAll(/^primeci ci: running (\S+) into \S+\/(\S+)$/gm)].map((m) => `${m[2]} ${m[1]}`);
    t.same(ran, [
      'base linux-6.2',
      'patch-3-of-3 linux-6.2+drm-shmem-free-no-lock+drm-shmem-resv-lock+vgem-import-shmem-backing',
      'patch-1-of-3 linux-6.2+drm-shmem-free-no-lock',
      'patch-2-of-3 linux-6.2+drm-shmem-free-no-lock+drm-shmem-resv-lock',
    ], 'each prefix is built and run once');
    t.same((await readdir(resultsRoot)).sort(), ['base', 'comparison.json', 'index.html', 'patch-1-of-3', 'patch-2-of-3', 'patch-3-of-3']);
    const probe = JSON.parse(await readFile(join(resultsRoot, 'patch-1-of-3', 'results.json'), 'utf8'));
    t.same(Object.keys(probe.tests).sort(), ['igt@prime_vgem@sync@rcs0', 'igt@vgem_import_mmap@importer-mmap-refused'], 'a probe runs only the regressed tests');

    // Later, from the root alone: nothing runs again.
    const compared = await execa('node', ['bin/primeci.js', 'compare', resultsRoot], { cwd: root, reject: false });
    t.equal(compared.exitCode, 1);
    t.equal(compared.stdout, check.stdout, 'compare ROOT gives the check\'s report');
    const known = await execa('node', ['bin/primeci.js', 'compare', resultsRoot, '--known-issues', 'config/known-issues.yaml', '--format', 'json'], { cwd: root, reject: false });
    t.equal(known.exitCode, 1, 'the vgem regression is still unknown');
    const comparison = JSON.parse(known.stdout);
    t.same(comparison.attribution.firstBad, { 'igt@prime_vgem@sync@rcs0': 2, 'igt@vgem_import_mmap@importer-mmap-refused': 3 });
    t.same(comparison.changes.map((c: { test: string; known: boolean }) => [c.test, c.known]), [
      ['igt@prime_vgem@sync@rcs0', true],
      ['igt@vgem_import_mmap@importer-mmap-refused', false],
    ]);
    const states = perPatchStates(parseComparison(comparison, 'stdout'));
    t.same(states.map((s) => s.state), ['success', 'success', 'fail'], 'with the deadlock known, patch 3 is the first bad one');
    const report = await execa('node', ['bin/primeci.js', 'report', resultsRoot, '--format', 'junit'], { cwd: root, reject: false });
    t.equal(report.exitCode, 0, report.stderr);
    t.match(report.stdout, /<testcase classname="igt\.vgem_import_mmap" name="importer-mmap-refused"[^>]*>\s*<failure/, 'report ROOT reports the whole series\' run');
    const check2 = await execa('node', ['bin/primeci.js', 'patchwork', resultsRoot, '--context', 'primeci'], { cwd: root, reject: false });
    t.equal(check2.exitCode, 0, check2.stderr);
    t.equal(JSON.parse(check2.stdout).state, 'fail');
    t.equal((await readdir(resultsRoot)).length, 6, 'reading the root wrote nothing into it');
  },
);
