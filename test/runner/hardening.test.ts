// Issue 15 §1: every bad flag, config value, output path and results folder is
// refused with exit 2 naming where it came from; one runner per results
// folder; workers die with their runner.
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import t from 'tap';
import { main } from '../../runner/cli.ts';
import { parseRunCommand } from '../../runner/settings.ts';
import { InputError } from '../../runner/scenario/source.ts';

const BIN = new URL('../../bin/primeci.js', import.meta.url).pathname;
const primeci = (args: string[], cwd: string) => execa('node', [BIN, ...args], { reject: false, cwd, env: { CI: 'true' } });

/** The CLI in this process, in `cwd`, for commands refused before they write to stdout. */
async function cli(argv: string[], cwd: string): Promise<{ code: number; stderr: string }> {
  const write = process.stderr.write;
  const home = process.cwd();
  let stderr = '';
  process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
  process.chdir(cwd);
  try {
    return { code: await main(argv), stderr };
  } finally {
    process.chdir(home);
    process.stderr.write = write;
  }
}

const QUICK = 'suite: quick\nsummary: two quick subtests\nrequires: [vgem]\nsubtests:\n  - name: a\n    steps:\n      - open: {driver: vgem, as: fd}\n  - name: b\n    steps:\n      - open: {driver: vgem, as: fd}\n';
const SPIN_STEPS = '      - open: {driver: vgem, as: fd}\n      - repeat: {count: 100000000, steps: [{dup: {fd: $fd, as: copy}}, {close: {fd: $copy}}]}\n';
const BUSY = `suite: busy\nsummary: subtests that run for minutes\nrequires: [vgem]\nsubtests:\n  - name: spin\n    steps:\n${SPIN_STEPS}  - name: spin2\n    steps:\n${SPIN_STEPS}`;
const BROKEN = 'suite: broken\nsummary: x\nsubtests:\n  - name: a\n    steps:\n      - close: {fdx: $fd}\n';

async function waitFor(check: () => boolean, what: string, seconds = 60): Promise<void> {
  for (let i = 0; i < seconds * 20; i++) {
    if (check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const started = (results: string, job: number) => () => {
  const out = join(results, String(job), 'out.txt');
  return existsSync(out) && readFileSync(out, 'utf8').includes('Starting subtest');
};

/** Gone, or a zombie waiting for a reaper that is not ours to hurry. */
function gone(pid: number): boolean {
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

t.test('numeric flags are bounded and name the flag', async (t) => {
  const dir = t.testdir({});
  const refused: [string[], RegExp][] = [
    [['--workers', '1e10'], /^--workers "1e10": expected a whole number from 0 to 1024$/],
    [['--workers', '100000000'], /^--workers "100000000"/],
    [['--repeat', '1e10'], /^--repeat "1e10": expected a whole number from 1 to 10000$/],
    [['--repeat', '100000000'], /^--repeat "100000000"/],
    [['--per-test-timeout', '2147484'], /^--per-test-timeout "2147484": expected seconds > 0 and at most 2147483$/],
    [['--dmesg-warn-level', '99'], /^--dmesg-warn-level "99": expected a whole number from 0 to 7$/],
    [['--seed', '4294967296'], /^--seed "4294967296": expected a whole number from 0 to 4294967295$/],
    [['--workers', ''], /^--workers "": expected a whole number/],
    [['--results', ''], /^--results "": expected a folder$/],
    [['--resume', ''], /^--resume "": expected a folder$/],
  ];
  for (const [argv, message] of refused) t.throws(() => parseRunCommand(argv, dir), message, argv.join(' '));
  const list = await cli(['list', '--repeat', '1e10'], dir);
  t.same([list.code, list.stderr.trimEnd()], [2, '--repeat "1e10": expected a whole number from 1 to 10000'], 'list --repeat too');
  const edge = parseRunCommand(['--per-test-timeout', '2147483', '--seed', '4294967295', '--dmesg-warn-level', '7'], dir).settings;
  t.same([edge.perTestTimeout, edge.seed, edge.dmesg.warnLevel], [2147483, 4294967295, 7], 'the bounds themselves are accepted');
});

t.test('config values are bounded like the flags, at their line', async (t) => {
  const dir = t.testdir({ 'primeci.config.yaml': 'repeat: 10000000000\nworkers: 100000000\nper_test_timeout: 3000000\nseed: 4294967296\n' });
  try {
    parseRunCommand([], dir);
    t.fail('should throw');
  } catch (e) {
    t.ok(e instanceof InputError);
    t.same((e as InputError).diagnostics.map((d) => `${d.line}:${d.col} ${d.message.split(':')[0]}`), ['1:9 repeat', '2:10 workers', '3:19 per_test_timeout', '4:7 seed']);
  }
});

t.test('errors from primeci.config.yaml name the file, not a flag; an unknown reporter is refused before the run', async (t) => {
  const dir = t.testdir({ 'quick.yaml': QUICK, afile: 'x' });
  const cases: [string, string[], RegExp][] = [
    ['profile: nope\n', ['quick.yaml'], /^primeci\.config\.yaml: profile nope: unknown kernel profile 'nope'/],
    ['reporters: [bogus]\n', ['quick.yaml'], /^primeci\.config\.yaml: reporters bogus: unknown report format "bogus"/],
    ['results: afile/runs\n', ['quick.yaml'], /^primeci\.config\.yaml: results .*afile\/runs\/.*: .*afile is not a folder$/],
    ['', ['quick.yaml', '--profile', 'nope'], /^--profile nope: unknown kernel profile/],
    ['', ['quick.yaml', '--reporter', 'nope'], /^--reporter nope: unknown report format "nope"/],
  ];
  for (const [config, argv, message] of cases) {
    writeFileSync(join(dir, 'primeci.config.yaml'), config);
    const { code, stderr } = await cli(['run', ...argv], dir);
    t.equal(code, 2, argv.join(' '));
    t.match(stderr.trimEnd(), message);
    t.notOk(existsSync(join(dir, 'results')), 'nothing ran');
  }
});

t.test('output paths under a regular file or /proc: exit 2 naming the flag, no mkdir loop', async (t) => {
  const dir = t.testdir({ 'quick.yaml': QUICK, afile: 'x', run: {} });
  await primeci(['run', 'quick.yaml', '--results', 'run/done'], dir);
  const cases: [string[], RegExp][] = [
    [['run', 'quick.yaml', '--results', 'afile/x'], /^--results .*afile\/x: .*afile is not a folder$/],
    [['run', 'quick.yaml', '--results', '/proc/primeci/x'], /^--results \/proc\/primeci\/x: cannot create \/proc\/primeci: ENOENT$/],
    [['run', 'quick.yaml', '--reporter', 'tap=/proc/primeci/x.tap'], /^--reporter tap=\/proc\/primeci\/x\.tap: cannot create \/proc\/primeci: ENOENT$/],
    [['run', 'quick.yaml', '--reporter', 'tap=afile/x.tap'], /^--reporter tap=afile\/x\.tap: .*afile is not a folder$/],
    [['merge', 'run/done', '--results', 'afile/x'], /^merge --results afile\/x: .*afile is not a folder$/],
    [['merge', 'run/done', '--results', '/proc/primeci/x'], /^merge --results \/proc\/primeci\/x: cannot create/],
    [['merge', 'run/done', '--results', ''], /^merge --results "": expected a folder$/],
    [['schema', '-o', 'afile/x.json'], /^schema -o afile\/x\.json: .*afile is not a folder$/],
    [['schema', '-o', '/proc/primeci/x.json'], /^schema -o \/proc\/primeci\/x\.json: cannot create/],
    [['report', 'run/done', '--format', 'tap', '-o', '/proc/primeci/x.tap'], /^primeci report: report \/proc\/primeci\/x\.tap: cannot create/],
    [['report', 'run/done', '--format', 'tap', '-o', 'afile/x.tap'], /^primeci report: report afile\/x\.tap: .*afile is not a folder$/],
  ];
  for (const [argv, message] of cases) {
    const { code, stderr } = await cli(argv, dir);
    t.equal(code, 2, argv.join(' '));
    t.match(stderr.trimEnd(), message, argv.join(' '));
  }
});

t.test('a results folder holds one runner: a busy one is refused, a stale lock is not', async (t) => {
  const dir = t.testdir({ 'busy.yaml': BUSY });
  const results = join(dir, 'out');
  const first = primeci(['run', 'busy.yaml', '--results', results, '-j', '1'], dir);
  await waitFor(started(results, 0), 'the first job');
  first.kill('SIGKILL');
  await first;
  t.ok(existsSync(join(results, '.lock')), 'kill -9 leaves the lock behind');

  const resumed = primeci(['run', '--resume', results], dir);
  await waitFor(started(results, 1), 'the resumed run to start the second job');
  const second = await primeci(['run', '--resume', results], dir);
  t.equal(second.exitCode, 2, 'a resume of a busy folder is refused');
  t.match(second.stderr, new RegExp(`${results} is in use by process ${resumed.pid} on `));
  const fresh = await primeci(['run', 'busy.yaml', '--results', results], dir);
  t.equal(fresh.exitCode, 2, 'so is a fresh run into it');
  t.match(fresh.stderr, /already holds a run/);
  const journal = readFileSync(join(results, '1', 'journal.txt'), 'utf8');
  t.equal(journal.split('\n').filter((l) => l.startsWith('igt@')).length, 1, 'the second job started once');
  resumed.kill('SIGKILL');
  await resumed;
});

t.test('two fresh runs racing for one --results: one runs, the other exits 2, nothing left behind', async (t) => {
  const dir = t.testdir({ 'quick.yaml': QUICK });
  for (let round = 0; round < 2; round++) {
    const results = join(dir, `race${round}`);
    const runs = await Promise.all([0, 1].map(() => primeci(['run', 'quick.yaml', '--results', results, '-j', '1'], dir)));
    t.same(runs.map((r) => r.exitCode).sort(), [0, 2], `round ${round}`);
    t.match(runs.find((r) => r.exitCode === 2)?.stderr, /already holds a run/);
    t.same(readdirSync(dir).filter((f) => f.includes('.starting-')), [], 'no staging folder left');
    t.notOk(existsSync(join(results, '.lock')), 'the winner released its lock');
  }
});

t.test('--resume of a damaged folder: exit 2 naming the file', async (t) => {
  const dir = t.testdir({ 'quick.yaml': QUICK });
  const good = join(dir, 'good');
  t.equal((await primeci(['run', 'quick.yaml', '--results', good, '-j', '1'], dir)).exitCode, 0);
  const damages: [string, (d: string) => void, RegExp][] = [
    ['joblist missing', (d) => rmSync(join(d, 'joblist.txt')), /joblist\.txt: missing or empty/],
    ['joblist garbage', (d) => writeFileSync(join(d, 'joblist.txt'), '\0\x7fELF garbage\n'), /joblist\.txt no longer matches/],
    ['a job folder is a file', (d) => (rmSync(join(d, '1'), { recursive: true }), writeFileSync(join(d, '1'), 'x')), /\/1 is not a job folder/],
    ['garbage metadata.txt', (d) => writeFileSync(join(d, 'metadata.txt'), 'cmdline : {not json\n__proto__ : x\n'), /metadata\.txt: cmdline is not a JSON list/],
    ['settings.json huge', (d) => writeFileSync(join(d, 'settings.json'), readFileSync(join(good, 'settings.json'), 'utf8').replace(/"repeat": \d+/, '"repeat": 1e300')), /settings\.json is not a primeci run's settings: repeat: /],
    ['settings.json garbage', (d) => writeFileSync(join(d, 'settings.json'), '{'), /cannot read .*settings\.json/],
    ['settings.json unknown profile', (d) => writeFileSync(join(d, 'settings.json'), readFileSync(join(good, 'settings.json'), 'utf8').replace(/"build": "[^"]*"/, '"build": "nope"')), /settings\.json: build nope: unknown kernel profile 'nope'/],
    ['settings.json unknown reporter', (d) => writeFileSync(join(d, 'settings.json'), readFileSync(join(good, 'settings.json'), 'utf8').replace(/"reporters": \[\]/, '"reporters": ["bogus"]')), /settings\.json: reporters bogus: unknown report format/],
  ];
  for (const [what, hurt, message] of damages) {
    const d = join(dir, what.replaceAll(' ', '-'));
    cpSync(good, d, { recursive: true });
    hurt(d);
    const { code, stderr } = await cli(['run', '--resume', d], dir);
    t.equal(code, 2, what);
    t.match(stderr, message, what);
    t.notOk(existsSync(join(d, '.lock')), `${what}: no lock left`);
  }
});

t.test('an interrupted run that included a broken suite can be resumed and reported', async (t) => {
  // Jobs 0 and 1 are quick's, 2 spins until killed, 3 is left for the resume.
  const spinThenQuick = BUSY.replace(/- name: spin2\n    steps:\n[^]*$/, '- name: after\n    steps:\n      - open: {driver: vgem, as: fd}\n');
  const dir = t.testdir({ 'busy.yaml': spinThenQuick, 'broken.yaml': BROKEN, 'quick.yaml': QUICK });
  const results = join(dir, 'out');
  const runner = primeci(['run', 'quick.yaml', 'broken.yaml', 'busy.yaml', '--results', results, '-j', '1'], dir);
  await waitFor(started(results, 2), 'the spinning job');
  runner.kill('SIGKILL');
  await runner;
  const resumed = await primeci(['run', '--resume', results], dir);
  t.equal(resumed.exitCode, 2, 'exit 2 again for the broken suite');
  t.match(resumed.stderr, /broken\.yaml:6:17: unknown key 'fdx'/);
  const statuses = Object.values(JSON.parse(readFileSync(join(results, 'results.json'), 'utf8')).tests).map((r) => (r as { result: string }).result);
  t.same(statuses, ['pass', 'pass', 'incomplete', 'pass']);
  const report = await primeci(['report', results, '--format', 'tap'], dir);
  t.equal(report.exitCode, 0);
  t.match(report.stdout, /^1\.\.4$/m);
});

t.test('workers die with their runner, even in the middle of a long job', async (t) => {
  const dir = t.testdir({ 'busy.yaml': BUSY });
  const results = join(dir, 'out');
  const runner = primeci(['run', 'busy.yaml', '--results', results, '-j', '2'], dir);
  await waitFor(() => started(results, 0)() && started(results, 1)(), 'both jobs');
  const workers = (await execa('pgrep', ['-P', String(runner.pid), '-f', 'worker.ts'])).stdout.split('\n').filter(Boolean).map(Number);
  t.equal(workers.length, 2);
  runner.kill('SIGKILL');
  await runner;
  const killed = performance.now();
  await waitFor(() => workers.every(gone), 'the workers to die', 10);
  const seconds = (performance.now() - killed) / 1000;
  t.ok(seconds < 2, `gone ${seconds.toFixed(2)} s after the runner`);
});

t.test('tests named __proto__ or constructor are plain names through read, merge and results', async (t) => {
  const dir = t.testdir({});
  const names = ['__proto__', 'constructor', 'igt@__proto__@x', 'toString'];
  const part = (name: string) => ({
    __type__: 'TestrunResult', results_version: 10, name: 'shard',
    tests: { [name]: { result: 'pass', out: '', err: '', dmesg: '', time: { __type__: 'TimeAttribute', start: 0, end: 1 } } },
  });
  // A computed [name] key of '__proto__' would set the prototype, not a key: write that name into the text.
  names.forEach((name, i) => writeFileSync(join(dir, `${i}.json`), JSON.stringify(part('placeholder')).replace('"placeholder":', JSON.stringify(name) + ':')));
  const { code, stderr } = await cli(['merge', ...names.map((_, i) => join(dir, `${i}.json`)), '--results', join(dir, 'merged')], dir);
  t.equal(code, 0, stderr);
  const merged = JSON.parse(readFileSync(join(dir, 'merged', 'results.json'), 'utf8')) as { tests: Record<string, unknown>; totals: Record<string, Record<string, number>> };
  t.same(Object.keys(merged.tests).sort(), [...names].sort());
  t.equal(merged.totals.root.pass, 4);
  t.equal(merged.totals['__proto__'].pass, 1, 'a binary named __proto__ is counted under its name');
  const twice = await cli(['merge', join(dir, '1.json'), join(dir, '1.json'), '--results', join(dir, 'again')], dir);
  t.equal(twice.code, 2);
  t.match(twice.stderr, /constructor is in more than one input/);
});
