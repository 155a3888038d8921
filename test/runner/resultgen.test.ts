import t from 'tap';
import { isWarning } from '../../runner/results/dmesg.ts';
import { jobResult, verdictFromOutput, type JobFiles } from '../../runner/results/resultgen.ts';
import { DEFAULT_DMESG_RULES, formatDmesgLine } from '../../runner/results/dmesg.ts';
import { parseKmsg, formatKmsg } from '../../runner/results/layout.ts';
import { worse } from '../../runner/results/igt.ts';

const NAME = 'igt@prime_vgem@sync@rcs0';
const OUT_PASS = 'IGT-Version: x\nStarting subtest: sync\nStarting dynamic subtest: rcs0\nDynamic subtest rcs0: SUCCESS (0.010s)\nSubtest sync: SUCCESS (0.011s)\n';
const files = (o: Partial<JobFiles>): JobFiles => ({ journal: `${NAME}\nexit:0 (0.020s)\n`, out: OUT_PASS, err: '', kmsg: [], ...o });
const rec = (level: number, message: string) => ({ level, seq: 1, usec: 1_500_000, message });

t.test("the verdict is the test's own result line", async (t) => {
  t.equal(verdictFromOutput('igt@a@b', 'Subtest b: SKIP (0.000s)\n'), 'skip');
  t.equal(verdictFromOutput('igt@a@b', 'Subtest bb: FAIL (0.000s)\n'), undefined, 'not a prefix match');
  t.equal(verdictFromOutput(NAME, OUT_PASS.replace('rcs0: SUCCESS', 'rcs0: FAIL')), 'fail', 'dynamic line wins');
  t.equal(verdictFromOutput('igt@a@b', 'Subtest b: CRASH (0.1s)\n'), 'crash');
});

t.test('without a result line, the journal decides', async (t) => {
  const out = 'IGT-Version: x\nStarting subtest: sync\n';
  t.equal(jobResult(NAME, files({ out, journal: `${NAME}\n` }), DEFAULT_DMESG_RULES).result, 'incomplete');
  t.equal(jobResult(NAME, files({ out, journal: `${NAME}\ntimeout:137 (2.000s)\n` }), DEFAULT_DMESG_RULES).result, 'timeout');
  t.equal(jobResult(NAME, files({ out, journal: `${NAME}\nexit:137 (0.5s)\n` }), DEFAULT_DMESG_RULES).result, 'crash');
  t.equal(jobResult(NAME, files({ out, journal: `${NAME}\nexit:79 (0.0s)\n` }), DEFAULT_DMESG_RULES).result, 'notrun');
  const empty = jobResult(NAME, files({ out: '', journal: '' }), DEFAULT_DMESG_RULES);
  t.equal(empty.result, 'incomplete');
  t.match(empty.out, "didn't produce any output");
});

t.test("IGT's dmesg rule: level ≤ warn level turns pass into dmesg-warn and fail into dmesg-fail", async (t) => {
  const warn = [rec(6, 'vgem: fine'), rec(4, 'WARNING: possible recursive locking detected')];
  const passWarn = jobResult(NAME, files({ kmsg: warn }), DEFAULT_DMESG_RULES);
  t.equal(passWarn.result, 'dmesg-warn');
  t.equal(passWarn['dmesg-warnings'], '<4> [    1.500000] WARNING: possible recursive locking detected\n');
  t.equal(passWarn.dmesg.split('\n').length, 3);
  const failed = files({ kmsg: warn, out: OUT_PASS.replace(/SUCCESS/g, 'FAIL') });
  t.equal(jobResult(NAME, failed, DEFAULT_DMESG_RULES).result, 'dmesg-fail');
  const skipped = files({ kmsg: warn, out: OUT_PASS.replace(/SUCCESS/g, 'SKIP') });
  t.equal(jobResult(NAME, skipped, DEFAULT_DMESG_RULES).result, 'skip', 'skip stays skip');
  t.equal(jobResult(NAME, files({ kmsg: [rec(5, 'notice')] }), DEFAULT_DMESG_RULES).result, 'pass');
  t.equal(jobResult(NAME, files({ kmsg: warn }), { warnLevel: 3, piglitStyle: false }).result, 'pass', '--dmesg-warn-level 3');
  t.equal(jobResult(NAME, files({ kmsg: [rec(4, 'Setting dangerous option foo - tainting kernel')] }), DEFAULT_DMESG_RULES).result, 'pass', 'whitelisted');
});

t.test('piglit-style dmesg counts only DRM records up to notice level', async (t) => {
  const rules = { warnLevel: 4, piglitStyle: true };
  t.equal(jobResult(NAME, files({ kmsg: [rec(4, 'WARNING: lockdep')] }), rules).result, 'pass');
  t.equal(jobResult(NAME, files({ kmsg: [rec(5, '[drm:vgem_fence] timed out')] }), rules).result, 'dmesg-warn');
  t.equal(jobResult(NAME, files({ kmsg: [rec(6, '[drm] info')] }), rules).result, 'pass');
});

t.test('stderr beyond IGT sentinel lines makes a pass a warn', async (t) => {
  t.equal(jobResult(NAME, files({ err: 'Starting subtest: sync\n' }), DEFAULT_DMESG_RULES).result, 'pass');
  t.equal(jobResult(NAME, files({ err: 'something odd\n' }), DEFAULT_DMESG_RULES).result, 'warn');
});

t.test('kmsg records round-trip and format as IGT does', async (t) => {
  const r = rec(4, 'a;b');
  t.same(parseKmsg(formatKmsg(r)), r);
  t.same(parseKmsg('12,7,123,-;facility bits are not the level')?.level, 4);
  t.equal(parseKmsg('garbage'), undefined);
  t.equal(formatDmesgLine({ level: 3, seq: 0, usec: 123_000_042, message: 'x' }), '<3> [  123.000042] x');
});

t.test('worse orders statuses by severity', async (t) => {
  t.equal(worse('pass', 'fail'), 'fail');
  t.equal(worse('incomplete', 'pass'), 'incomplete');
  t.equal(worse('skip', 'pass'), 'skip');
});

t.test('emulator timing warnings pass only in primeci\'s QEMU guest', async (t) => {
  const hrtimer = { seq: 1, level: 4, usec: 1, message: 'hrtimer: interrupt took 32125040 ns' };
  t.ok(isWarning(hrtimer, { warnLevel: 4, piglitStyle: false }), 'on any other kernel it is a warning, as IGT says');
  t.notOk(isWarning(hrtimer, { warnLevel: 4, piglitStyle: false, emulated: true }), 'under TCG it is the emulator\'s, not the test\'s');
  t.ok(isWarning({ ...hrtimer, message: 'WARNING: possible circular locking dependency detected' }, { warnLevel: 4, piglitStyle: false, emulated: true }), 'a real warning still counts in the guest');
});
