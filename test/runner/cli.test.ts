import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { execa } from 'execa';
import { STATUSES, type TestrunResult } from '../../runner/results/igt.ts';

const BIN = new URL('../../bin/primeci.js', import.meta.url).pathname;

function primeci(args: string[], cwd?: string) {
  return execa('node', [BIN, ...args], { reject: false, cwd, env: { CI: 'true' } });
}

const GOOD = `suite: good
summary: two files share a buffer
requires: [vgem]
subtests:
  - name: reimport
    steps:
      - open: {driver: vgem, as: fd1}
      - open: {driver: vgem, as: fd2}
      - create_dumb: {fd: $fd1, width: 1024, height: 1, bpp: 32, as: bo}
      - prime_handle_to_fd: {fd: $fd1, handle: $bo.handle, as: dmabuf}
      - prime_fd_to_handle: {fd: $fd2, dmabuf: $dmabuf, as: imported}
      - prime_fd_to_handle: {fd: $fd2, dmabuf: $dmabuf, expect: {eq: $imported}}
  - name: bad-flags
    steps:
      - open: {driver: vgem, as: fd}
      - create_dumb: {fd: $fd, width: 1024, height: 1, bpp: 32, as: bo}
      - prime_handle_to_fd: {fd: $fd, handle: $bo.handle, flags: 4, expect: {errno: EINVAL}}
`;

// The scenario is wrong on purpose: re-import returns the same handle.
const WRONG = GOOD.replace('suite: good', 'suite: wrong').replace('expect: {eq: $imported}', 'expect: {ne: $imported}');

const BROKEN = `suite: broken
summary: misspelt
subtests:
  - name: a
    steps:
      - opne: {driver: vgem}
`;

t.test('valid suites run and bad ones are reported with file:line:col, exit 2', async (t) => {
  const dir = t.testdir({ 'good.yaml': GOOD, 'broken.yaml': BROKEN });
  const results = join(dir, 'out');
  const r = await primeci(['run', 'good.yaml', 'broken.yaml', '--results', results, '--workers', '1'], dir);
  t.equal(r.exitCode, 2, r.stderr);
  t.match(r.stderr, "broken.yaml:6:9: unknown op 'opne' (did you mean 'open'?)");
  const json = JSON.parse(readFileSync(join(results, 'results.json'), 'utf8')) as TestrunResult;
  t.same(Object.keys(json.tests), ['igt@good@reimport', 'igt@good@bad-flags']);
  t.same(Object.values(json.tests).map((x) => x.result), ['pass', 'pass']);
});

t.test('a wrong expectation fails the subtest with the step location and both values, exit 1', async (t) => {
  const dir = t.testdir({ 'wrong.yaml': WRONG });
  const results = join(dir, 'out');
  const r = await primeci(['run', 'wrong.yaml', '--results', results], dir);
  t.equal(r.exitCode, 1, r.stderr);
  const json = JSON.parse(readFileSync(join(results, 'results.json'), 'utf8')) as TestrunResult;
  const failed = json.tests['igt@wrong@reimport'];
  t.equal(failed.result, 'fail');
  t.match(failed.out, 'Test assertion failure function prime_fd_to_handle, file wrong.yaml:12:9:');
  t.match(failed.out, 'Failed assertion: prime_fd_to_handle returned 1, expected anything but 1 ($imported)');
  t.match(failed.out, /Subtest reimport: FAIL \(\d+\.\d{3}s\)/);
  t.equal(json.tests['igt@wrong@bad-flags'].result, 'pass');
});

t.test('results.json has IGT shape: version 10, lower-case names, 11 counters per totals entry', async (t) => {
  const dir = t.testdir({ 'good.yaml': GOOD });
  const results = join(dir, 'out');
  const r = await primeci(['run', 'good.yaml', '--results', results], dir);
  t.equal(r.exitCode, 0, r.stderr);
  const json = JSON.parse(readFileSync(join(results, 'results.json'), 'utf8')) as TestrunResult;
  t.equal(json.__type__, 'TestrunResult');
  t.equal(json.results_version, 10);
  t.same(Object.keys(json.totals).sort(), ['', 'igt@good', 'root']);
  for (const totals of Object.values(json.totals)) t.same(Object.keys(totals).sort(), [...STATUSES].sort());
  t.equal(json.totals.root.pass, 2);
  const test = json.tests['igt@good@reimport'];
  t.same(Object.keys(test).sort(), ['dmesg', 'err', 'igt-version', 'out', 'result', 'time'].sort());
  t.equal(test.time.__type__, 'TimeAttribute');
  t.match(test.out, /^IGT-Version: .*\nStarting subtest: reimport\nSubtest reimport: SUCCESS \(\d+\.\d+s\)\n$/);
  t.equal(json.runtimes['igt@good'].time.__type__, 'TimeAttribute');
  t.match(r.stdout, /Totals: 2 tests: 2 pass/);
});

t.test('list prints igt names and applies -t / -x like igt_runner', async (t) => {
  const dir = t.testdir({ 'good.yaml': GOOD });
  const all = await primeci(['list', 'good.yaml'], dir);
  t.equal(all.exitCode, 0);
  t.equal(all.stdout, 'igt@good@reimport\nigt@good@bad-flags');
  const some = await primeci(['list', 'good.yaml', '-t', 'REIMPORT|flags', '-x', 'bad'], dir);
  t.equal(some.stdout, 'igt@good@reimport');
});

t.test('bad flags and commands exit 2 with a message', async (t) => {
  const dir = t.testdir({ 'good.yaml': GOOD });
  const cases: [string[], RegExp][] = [
    [['list', 'good.yaml', '-t', '('], /-t "\(": invalid regular expression/],
    [['run', '--frobnicate'], /primeci run: Unknown option '--frobnicate'/],
    [['run', 'good.yaml', '--workers', 'two'], /--workers "two": expected a whole number/],
    [['run', 'good.yaml', '--backend', 'gpu'], /unknown backend/],
    [['run', 'good.yaml', '--profile', 'linux-9.9'], /--profile linux-9.9: /],
    [['frob'], /unknown command 'frob'/],
    [['validate', 'nope.yaml'], /nope\.yaml:1:1: no such suite file/],
  ];
  for (const [args, message] of cases) {
    const r = await primeci(args, dir);
    t.equal(r.exitCode, 2, args.join(' '));
    t.match(r.stderr, message, args.join(' '));
  }
});
