// The runner never hangs and never loses a result: workers that die or overrun
// are replaced, a runner killed -9 at any moment resumes to the same results,
// shards merge back into the whole.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { execa } from 'execa';
import type { TestrunResult } from '../../runner/results/igt.ts';

const BIN = new URL('../../bin/primeci.js', import.meta.url).pathname;
const primeci = (args: string[], cwd: string) => execa('node', [BIN, ...args], { reject: false, cwd, env: { CI: 'true' } });
const readJson = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as TestrunResult;
const statuses = (r: TestrunResult) => Object.fromEntries(Object.entries(r.tests).map(([k, v]) => [k, v.result]));

// One subtest keeps its worker busy for minutes (a long loop of cheap ops); one is quick.
const BUSY = `suite: busy
summary: a subtest that never ends in time, then one that does
requires: [vgem]
subtests:
  - name: spin
    steps:
      - open: {driver: vgem, as: fd}
      - repeat: {count: 100000000, steps: [{dup: {fd: $fd, as: copy}}, {close: {fd: $copy}}]}
  - name: quick
    steps:
      - open: {driver: vgem, as: fd}
`;

async function waitFor(check: () => boolean, what: string, seconds = 60): Promise<void> {
  for (let i = 0; i < seconds * 20; i++) {
    if (check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

t.test('a worker killed mid-test: that test is a crash and the rest still run', async (t) => {
  const dir = t.testdir({ 'busy.yaml': BUSY });
  const results = join(dir, 'out');
  const runner = primeci(['run', 'busy.yaml', '--results', results, '-j', '1', '--per-test-timeout', '300'], dir);
  const out = join(results, '0', 'out.txt');
  await waitFor(() => existsSync(out) && readFileSync(out, 'utf8').includes('Starting subtest: spin'), 'the first job to start');
  const children = await execa('pgrep', ['-P', String(runner.pid), '-f', 'worker.ts']);
  const workers = children.stdout.split('\n').filter(Boolean);
  t.equal(workers.length, 1, 'one worker');
  process.kill(Number(workers[0]), 'SIGKILL');
  const r = await runner;
  t.equal(r.exitCode, 1);
  const json = readJson(results);
  t.same(statuses(json), { 'igt@busy@spin': 'crash', 'igt@busy@quick': 'pass' });
  t.match(json.tests['igt@busy@spin'].err, 'worker process died during the test (signal SIGKILL');
  t.match(json.tests['igt@busy@spin'].out, 'Starting subtest: spin', 'what it printed so far is kept');
});

t.test('a hanging test is a timeout within its limit, and the next test runs', async (t) => {
  const dir = t.testdir({ 'busy.yaml': BUSY });
  const results = join(dir, 'out');
  const r = await primeci(['run', 'busy.yaml', '--results', results, '-j', '1', '--per-test-timeout', '2'], dir);
  t.equal(r.exitCode, 1);
  const json = readJson(results);
  t.same(statuses(json), { 'igt@busy@spin': 'timeout', 'igt@busy@quick': 'pass' });
  const journal = readFileSync(join(results, '0', 'journal.txt'), 'utf8');
  const seconds = Number(/timeout:\d+ \(([\d.]+)s\)/.exec(journal)?.[1]);
  t.ok(seconds >= 2 && seconds < 30, `killed after its 2 s limit (journal says ${seconds}s)`);
});

t.test('--overall-timeout stops new jobs; the rest are notrun', async (t) => {
  const dir = t.testdir({ 'busy.yaml': BUSY });
  const results = join(dir, 'out');
  const r = await primeci(['run', 'busy.yaml', '--results', results, '-j', '1', '--per-test-timeout', '3', '--overall-timeout', '1'], dir);
  t.equal(r.exitCode, 1);
  t.same(statuses(readJson(results)), { 'igt@busy@spin': 'timeout', 'igt@busy@quick': 'notrun' });
  t.match(r.stdout, 'Overall timeout of 1s reached');
});

/** 200+ jobs with passes, fails and skips. */
function manySuite(count: number): string {
  const subtests = Array.from({ length: count }, (_, i) => {
    const steps = ['      - open: {driver: vgem, as: fd}', '      - create_dumb: {fd: $fd, width: 64, height: 64, bpp: 32, as: bo}'];
    if (i % 13 === 5) steps.push('      - gem_close: {fd: $fd, handle: $bo.handle, expect: {errno: ENOENT}}');
    const requires = i % 11 === 3 ? '    requires: [{driver: no-such-gpu}]\n' : '';
    return `  - name: t${i}\n${requires}    steps:\n${steps.join('\n')}`;
  });
  return `suite: many\nsummary: many small jobs\nrequires: [vgem]\nsubtests:\n${subtests.join('\n')}\n`;
}

/** A tiny seeded PRNG so a failing interleaving can be reproduced from the test's output. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

t.test('a runner killed -9 at random moments and resumed gives the uninterrupted results', async (t) => {
  const dir = t.testdir({ 'many.yaml': manySuite(210) });
  const reference = join(dir, 'reference');
  const ref = await primeci(['run', 'many.yaml', '--results', reference, '-j', '2'], dir);
  t.equal(ref.exitCode, 1, 'the reference run has failures by design');
  const expected = statuses(readJson(reference));
  t.equal(Object.keys(expected).length, 210);
  t.ok(Object.values(expected).includes('fail') && Object.values(expected).includes('skip') && Object.values(expected).includes('pass'));

  const seed = Number(process.env.PRIMECI_KILL_SEED ?? Date.now() % 100000);
  t.comment(`kill schedule seed ${seed} (PRIMECI_KILL_SEED replays it)`);
  const random = prng(seed);
  const results = join(dir, 'killed');
  let kills = 0;
  let args = ['run', 'many.yaml', '--results', results, '-j', '2'];
  const settings = join(results, 'settings.json');
  for (let attempt = 0; attempt < 4; attempt++) {
    const runner = primeci(args, dir);
    const ended = runner.then(() => true);
    // The first kill may land during start-up; the next two land inside the run
    // (its folder exists), at random moments; then it may finish.
    const kill =
      attempt === 0 ? sleep(random() * 1500).then(() => false)
      : attempt < 3 ? Promise.race([ended, waitFor(() => existsSync(settings), 'the run folder')]).then(() => sleep(random() * 2000)).then(() => false)
      : new Promise<boolean>(() => {});
    if (await Promise.race([ended, kill])) break;
    runner.kill('SIGKILL');
    await runner;
    kills++;
    t.comment(`kill ${kills} after attempt ${attempt}: folder ${existsSync(settings) ? 'exists' : 'not made yet'}`);
    if (existsSync(settings)) args = ['run', '--resume', results];
  }
  t.ok(kills > 0, `killed ${kills} times`);
  const got = readJson(results);
  t.equal(Object.keys(got.tests).length, 210, 'none missing');
  const interrupted = readdirSync(results)
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => !/^(exit|timeout):/m.test(readFileSync(join(results, d, 'journal.txt'), 'utf8')))
    .map((d) => readFileSync(join(results, d, 'journal.txt'), 'utf8').split('\n')[0]);
  t.ok(interrupted.length <= 2 * kills, `at most the jobs in flight at each kill were interrupted (${interrupted.length})`);
  for (const [name, status] of Object.entries(statuses(got))) {
    if (!interrupted.includes(name)) t.equal(status, expected[name], name);
    // The runner died while it ran: either its worker died before the verdict
    // (incomplete, as igt_resume records it) or it finished and wrote the true one.
    else t.ok(status === 'incomplete' || status === expected[name], `${name} (interrupted): ${status}`);
  }
  for (const d of readdirSync(results).filter((x) => /^\d+$/.test(x))) {
    const starts = readFileSync(join(results, d, 'journal.txt'), 'utf8').split('\n').filter((l) => l.startsWith('igt@'));
    t.equal(starts.length, 1, `job ${d} started exactly once`);
  }
});

t.test('runner.log is NDJSON with one record per job start and end', async (t) => {
  const dir = t.testdir({ 'many.yaml': manySuite(12) });
  const results = join(dir, 'out');
  await primeci(['run', 'many.yaml', '--results', results], dir);
  const records = readFileSync(join(results, 'runner.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event?: string; job?: string });
  const starts = records.filter((r) => r.event === 'job-start').map((r) => r.job).sort();
  const ends = records.filter((r) => r.event === 'job-end').map((r) => r.job).sort();
  t.equal(starts.length, 12);
  t.same(starts, ends);
  t.same(new Set(starts).size, 12);
});

t.test('shards 1/3, 2/3, 3/3 merged equal the unsharded run', async (t) => {
  const dir = t.testdir({ 'many.yaml': manySuite(14) });
  const whole = join(dir, 'whole');
  await primeci(['run', 'many.yaml', '--results', whole], dir);
  const shards = [1, 2, 3].map((i) => join(dir, `shard${i}`));
  for (const [i, shard] of shards.entries()) await primeci(['run', 'many.yaml', '--shard', `${i + 1}/3`, '--results', shard], dir);
  const merged = join(dir, 'merged');
  const m = await primeci(['merge', ...shards, '--results', merged], dir);
  t.equal(m.exitCode, 0, m.stderr);
  t.same(statuses(readJson(merged)), statuses(readJson(whole)));
  t.same(readJson(merged).totals.root, readJson(whole).totals.root);
  const overlap = await primeci(['merge', shards[0], shards[0], '--results', join(dir, 'bad')], dir);
  t.equal(overlap.exitCode, 2);
  t.match(overlap.stderr, 'is in more than one input');
});

// A simulated kernel whose free path takes the resv lock under fs_reclaim prints
// lockdep's circular-dependency report at KERN_WARNING.
const SPLAT = ['run', 'drm_shmem_reclaim', '--profile', 'mainline+drm-shmem-shrinker'];
const ONE_SPLAT = ['-t', 'reclaim@free-during-reclaim$'];

t.test("a warning-level line in the simulated dmesg makes the subtest dmesg-warn", async (t) => {
  const dir = t.testdir({});
  const results = join(dir, 'out');
  const r = await primeci([...SPLAT, ...ONE_SPLAT, '--results', results], dir);
  t.equal(r.exitCode, 1);
  const test = readJson(results).tests['igt@drm_shmem_reclaim@free-during-reclaim'];
  t.equal(test.result, 'dmesg-warn');
  t.match(test['dmesg-warnings'], 'WARNING: possible circular locking dependency detected');
  t.match(test.out, 'SUCCESS', 'the test itself passed');
  t.match(r.stdout, 'DMESG-WARN  igt@drm_shmem_reclaim@free-during-reclaim');
  const higher = await primeci([...SPLAT, ...ONE_SPLAT, '--dmesg-warn-level', '3', '--results', join(dir, 'lvl3')], dir);
  t.equal(higher.exitCode, 0, 'with --dmesg-warn-level 3 a KERN_WARNING record does not count');
});

t.test('--abort-on-monitored-error stops the run after a lockdep splat, as igt_runner', async (t) => {
  const dir = t.testdir({});
  const results = join(dir, 'out');
  const only = ['-t', 'reclaim@free-during-reclaim$|prime_self_import'];
  const r = await primeci([...SPLAT, 'prime_self_import', ...only, '--abort-on-monitored-error=lockdep', '-j', '1', '--results', results], dir);
  t.equal(r.exitCode, 1);
  const json = readJson(results);
  t.equal(json.tests['igt@runner@aborted'].result, 'fail');
  t.match(json.tests['igt@runner@aborted'].out, /^Aborting\.\nPrevious test: igt@drm_shmem_reclaim@free-during-reclaim\nNext test: igt@prime_self_import@/);
  t.match(json.tests['igt@runner@aborted'].out, 'Lockdep not active');
  const rest = Object.entries(json.tests).filter(([k]) => k.startsWith('igt@prime_self_import@'));
  t.ok(rest.length > 0 && rest.every(([, v]) => v.result === 'notrun'), 'nothing ran after the abort');
});

t.test('-v shows the run log on the terminal', async (t) => {
  const dir = t.testdir({ 'busy.yaml': BUSY });
  const r = await primeci(['run', 'busy.yaml', '-t', 'quick', '-v', '--results', join(dir, 'out')], dir);
  t.equal(r.exitCode, 0);
  t.match(r.stderr, /INFO.*start igt@busy@quick/);
  t.match(r.stderr, /INFO.*end igt@busy@quick: pass/);
});
