// primeci vm: option handling on the host, and whole runs in the guest: one
// that passes on the real kernel, and one whose guest falls silent and must be
// rebooted and resumed (the silent test becomes incomplete, the next one runs).
import t from 'tap';
import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vmTestGate } from '../../vm/availability.ts';
import { guestScript, planVm } from '../../vm/command.ts';
import { packagedKernel } from '../../vm/kernel.ts';

t.setTimeout(900_000); // each guest run is minutes of TCG

const root = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const scratch = mkdtempSync(join(tmpdir(), 'primeci-vm-command-'));
const gate = vmTestGate();

t.test('vm options are checked on the host before any boot', async (t) => {
  t.throws(() => planVm(['run']), /expected '-- run \[RUN OPTIONS\]'/);
  t.throws(() => planVm(['--', 'list']), /expected '-- run/);
  t.throws(() => planVm(['--kernel', '/boot/x', '--', 'run']), /--kernel and --modules go together/);
  t.throws(() => planVm(['--colour', '--', 'run']), /primeci vm: Unknown option '--colour'/);
  t.throws(() => planVm(['stray', '--', 'run']), /unexpected stray before '--'/);
  t.throws(() => planVm(['--kernel', join(scratch, 'none'), '--modules', scratch, '--', 'run']), /--kernel .*none: no such file/);
  if (packagedKernel().ok) {
    t.throws(() => planVm(['--', 'run', '--backend', 'sim']), /the guest runs the native backend/);
    t.throws(() => planVm(['--', 'run', '--workers', 'many']), /--workers "many"/, 'run options go through the runner\'s parser');
    t.throws(() => planVm(['--reboots=-1', '--', 'run']), /--reboots "-1"/);
    const plan = planVm(['--silence', '30', '--stall', '60', '--', 'run', '-t', 'basic', '--results', join(scratch, 'r')], scratch);
    t.equal(plan.dir, join(scratch, 'r'));
    t.equal(plan.silenceMs, 30_000);
    t.equal(plan.stallMs, 60_000);
    t.same(plan.runArgs, ['run', '--backend', 'native', '--workers', '1', '--per-test-timeout', '600', '-t', 'basic', '--results', join(scratch, 'r')], 'one job at a time on the one kernel, with a timeout sized for TCG');
    t.same(plan.shares.sort(), [root, scratch].sort(), 'the project and the working folder; the results\' parent is inside the latter');
  }
});

t.test('the guest script quotes every argument', async (t) => {
  t.equal(
    guestScript('/w d', ['run', "it's"]),
    `cd '/w d' && CI=1 PRIMECI_GUEST=tcg exec node --jitless --no-expose-wasm '${root}/bin/primeci.js' 'run' 'it'\\''s'\n`,
  );
});

/** `primeci vm ...` as a user runs it; resolves with its exit code and output. */
function primeci(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(root, 'bin/primeci.js'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => done({ code, out }));
  });
}

function results(dir: string): { tests: Record<string, { result: string }>; uname: string; metadata: Record<string, string> } {
  return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
}

// The suites the native backend must prove on Debian's 6.1 (issues 7 and 10), and the
// subtests of them that must pass there; others may skip for a requirement
// the kernel lacks (sw_sync, i915-sim, sysfs/debugfs probes, the out-of-tree
// udmabuf, dma-heap and dmabuf_selftests modules) but never fail.
const PROVEN = 'vgem_basic|vgem_slow|dmabuf_sync_file|sw_sync|prime_self_import|prime_mmap|udmabuf|dmabuf_heaps|dmabuf@';
/** Issue 10: on the default VM every subtest of these runs (none skips for a missing module or driver) and passes. */
const EVERY_SUBTEST = ['vgem_basic', 'vgem_slow', 'dmabuf_sync_file', 'sw_sync', 'dmabuf'];
const MUST_PASS = [
  ...['unload', 'setversion', 'second-client', 'create', 'mmap', 'bad-flag', 'bad-pad', 'bad-handle', 'bad-fence', 'busy-fence', 'dmabuf-export', 'dmabuf-mmap', 'dmabuf-fence', 'dmabuf-fence-before', 'sysfs', 'debugfs']
    .map((s) => `igt@vgem_basic@${s}`),
  'igt@vgem_slow@nohang',
  ...['export-basic', 'export-before-signal', 'export-multiwait', 'export-wait-after-attach'].map((s) => `igt@dmabuf_sync_file@${s}`),
  ...['basic-with_one_bo', 'basic-with_one_bo_two_files', 'basic-with_two_bos', 'basic-with_fd_dup', 'basic-llseek-size', 'basic-llseek-bad']
    .map((s) => `igt@prime_self_import@${s}`),
  ...['test_correct', 'test_map_unmap', 'test_reprime', 'test_forked', 'test_refcounting', 'test_dup', 'test_errors', 'test_invalid_sync_flags']
    .map((s) => `igt@prime_mmap@${s}@${s}-smem`),
];

t.test('the IGT suites on the real kernel, side by side with the simulator\'s linux-6.1', { skip: gate.skip }, async (t) => {
  if (gate.requiredButMissing) return t.fail(`PRIMECI_REQUIRE_VM=1 but ${gate.requiredButMissing}`);
  const dir = join(scratch, 'native');
  const run = await primeci(['vm', '--', 'run', '-t', PROVEN, '--results', dir]);
  t.equal(run.code, 0, 'exit 0: nothing failed');
  const native = results(dir);
  t.match(native.uname, /^Linux primeci-vm 6\.1\.\d+-\d+-amd64 /, 'uname of the guest kernel');
  // The default VM: Debian's packaged kernel with the extra modules built by the module path.
  t.match(native.metadata, { backend: 'native', 'kernel-build': /^primeci-modules:debian-6\.1/, build: /^primeci-modules:debian-6\.1/, 'kernel-version': /^Linux version 6\.1/ });
  for (const name of MUST_PASS) t.equal(native.tests[name]?.result, 'pass', name);
  const every = (await primeci(['list', ...EVERY_SUBTEST])).out.split('\n').filter((l) => l.startsWith('igt@'));
  t.ok(every.length >= 47, `${every.length} subtests of ${EVERY_SUBTEST.join(', ')}`);
  for (const name of every) t.equal(native.tests[name]?.result, 'pass', `${name} runs and passes on the default VM`);
  const notPassing = Object.entries(native.tests).filter(([, r]) => !['pass', 'skip'].includes(r.result));
  t.same(notPassing, [], 'no test fails, crashes or hangs');

  const simDir = join(scratch, 'sim');
  await primeci(['run', '-t', PROVEN, '--profile', 'linux-6.1', '--results', simDir]);
  const sim = results(simDir);
  const table = Object.keys(native.tests).map((name) => `${name.padEnd(64)} ${sim.tests[name]?.result ?? '-'}\t${native.tests[name].result}`);
  t.comment(['subtest'.padEnd(64) + ' sim\tnative', ...table].join('\n'));
  const disagree = Object.keys(native.tests).filter((name) =>
    native.tests[name].result !== 'skip' && sim.tests[name]?.result !== 'skip' && sim.tests[name]?.result !== native.tests[name].result);
  t.same(disagree, [], 'where both ran a subtest, the simulator\'s linux-6.1 gives the real kernel\'s verdict');
  if (run.code !== 0) t.comment(run.out);
});

t.test('a stalled guest is rebooted and the run resumed', { skip: gate.skip }, async (t) => {
  if (gate.requiredButMissing) return t.fail(`PRIMECI_REQUIRE_VM=1 but ${gate.requiredButMissing}`);
  const dir = join(scratch, 'stall');
  const run = await primeci(['vm', '--stall', '120', '--', 'run', 'test/vm/fixtures/vm_stall.yaml', '--per-test-timeout', '900', '--results', dir]);
  t.equal(run.code, 1, 'exit 1: a test did not pass');
  t.match(run.out, /the guest was without progress for 120 s \(a hung test\?\): killed it; booting again to resume the run/);
  t.same(Object.entries(results(dir).tests).map(([name, test]) => [name, test.result]), [
    ['igt@vm_stall@stall', 'incomplete'],
    ['igt@vm_stall@after-reboot', 'pass'],
  ]);
  t.equal(spawnSync('grep', ['-c', 'guest up', join(dir, 'vm-console.log')], { encoding: 'utf8' }).stdout.trim(), '2', 'two boots in the console log');
  if (run.code !== 1) t.comment(run.out);
});

t.test('a kernel QEMU cannot start is a result, not an error: every job notrun, igt@runner@aborted with the console', { skip: gate.skip }, async (t) => {
  if (gate.requiredButMissing) return t.fail(`PRIMECI_REQUIRE_VM=1 but ${gate.requiredButMissing}`);
  const image = join(scratch, 'not-a-kernel');
  writeFileSync(image, Buffer.alloc(4096, 0x5a));
  const dir = join(scratch, 'unbootable');
  const kernel = packagedKernel();
  if (!kernel.ok) return t.fail(kernel.error);
  const ran = await primeci(['vm', '--kernel', image, '--modules', kernel.value.modulesRoot, '--', 'run', 'vgem_basic', '-t', 'create$', '--results', dir]);
  t.equal(ran.code, 1, 'a failed result, exit 1');
  const r = results(dir);
  t.equal(r.tests['igt@vgem_basic@create']?.result, 'notrun');
  t.equal(r.tests['igt@runner@aborted']?.result, 'fail');
  t.match((r.tests['igt@runner@aborted'] as unknown as { out: string }).out, /never started the run[^]*qemu failed/);
});
