// primeci ci: the per-patch check, on given results and end to end on the simulator.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';

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
  t.match(badBuild.stderr, /primeci ci: primeci run --profile linux-0\.01-nonexistent failed \(exit 2\)/);
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
    t.match(await readFile(join(resultsRoot, 'patch', 'index.html'), 'utf8'), /igt@prime_vgem@sync@rcs0/, 'each run has the HTML page the links point at');

    const known = await primeci(
      '--base-results', join(resultsRoot, 'base'),
      '--patch-results', join(resultsRoot, 'patch'),
      '--known-issues', 'config/known-issues.yaml',
    );
    t.equal(known.exitCode, 0, known.stdout);
    t.match(known.stdout, /\*\*SUCCESS\*\*/);
    t.match(known.stdout, /#### Issues hit ####\n\n(?:[\s\S]*?\n)?\s{2}\* igt@prime_vgem@sync@rcs0:\n {4}- \S+:\s+\[PASS\]\[\d+\] -> \[INCOMPLETE\]\[\d+\] \(\[dri-devel#116000\]\)\n/);
  },
);
