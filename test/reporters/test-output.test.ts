import t from 'tap';
import { timeAttribute, type TestResult } from '../../runner/results/igt.ts';
import { failureLines, failurePosition, skipReason, splitTestName } from '../../reporters/test-output.ts';

const test = (out: string, err = ''): TestResult => ({ out, err, dmesg: '', result: 'fail', time: timeAttribute(0, 1) });

t.test('failing step lines: the message and the scenario position it names', async (t) => {
  const failed = test('Starting subtest: x\nmmap: expected success, got EDEADLK\n  at suites/prime_vgem.yaml:88:9\nSubtest x: FAIL (0.001s)\n');
  t.same(failureLines(failed), ['mmap: expected success, got EDEADLK', '  at suites/prime_vgem.yaml:88:9']);
  t.same(failurePosition(failed), { file: 'suites/prime_vgem.yaml', line: 88, col: 9 });
  t.same(failureLines(test('poll: got 0, expected 1 at suites/a.yaml:3:7\n')), ['poll: got 0, expected 1 at suites/a.yaml:3:7']);
});

t.test('the runner\'s CRITICAL lines, written to out and err, appear once and in order', async (t) => {
  const critical = [
    '(prime_vgem:1) CRITICAL: Test assertion failure function mmap, file suites/prime_vgem.yaml:88:9:',
    '(prime_vgem:1) CRITICAL: Failed assertion: expected success, got EDEADLK',
    '(prime_vgem:1) CRITICAL: at suites/prime_vgem.yaml:88:9 in sync > ready',
  ].join('\n');
  const failed = test(`Starting subtest: sync\n${critical}\n`, `${critical}\n`);
  t.same(failureLines(failed), critical.split('\n'));
  t.same(failurePosition(failed), { file: 'suites/prime_vgem.yaml', line: 88, col: 9 });
});

t.test("without a position: IGT's CRITICAL lines, else the last lines that are not bookkeeping", async (t) => {
  t.same(failureLines(test('Subtest a: FAIL\n', '(x:1) CRITICAL: Failed assertion: y\nother\n')), ['(x:1) CRITICAL: Failed assertion: y']);
  const hang = test('IGT-Version: 1\nStarting subtest: sync\nStarting dynamic subtest: rcs0\nevery task is blocked: the machine is hung\nwait-for cycle: a -> a\n');
  t.same(failureLines(hang), ['every task is blocked: the machine is hung', 'wait-for cycle: a -> a']);
  t.equal(failurePosition(hang), undefined);
  t.same(failureLines(test('Starting subtest: a\nSubtest a: SUCCESS (0.1s)\n')), []);
});

t.test('skip reasons from IGT and primeci', async (t) => {
  t.equal(skipReason(test('Test requirement not met in function f, file x.c:1:\nTest requirement: has_vgem()\n')), 'has_vgem()');
  t.equal(skipReason(test('', 'Skip: backend does not support op vgem_fence_attach\n')), 'backend does not support op vgem_fence_attach');
  t.equal(skipReason(test('Subtest a: SKIP (0.000s)\n')), undefined);
});

t.test('test names split into binary and subtest', async (t) => {
  t.same(splitTestName('igt@prime_vgem@sync@rcs0'), { binary: 'prime_vgem', subtest: 'sync@rcs0' });
  t.same(splitTestName('igt@runner@aborted'), { binary: 'runner', subtest: 'aborted' });
  t.same(splitTestName('igt@sw_sync'), { binary: 'sw_sync', subtest: 'sw_sync' });
});
