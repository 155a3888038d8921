// Boots Debian's packaged kernel in QEMU with a trivial job: the harness's
// whole path (initramfs, 9p shares, modules, job status, guest identity).
import t from 'tap';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vmTestGate } from '../../vm/availability.ts';
import { packagedKernel, vmCacheDir } from '../../vm/kernel.ts';
import { buildInitramfs } from '../../vm/initramfs.ts';
import { runVmJob } from '../../vm/job.ts';

const gate = vmTestGate();
t.setTimeout(600_000); // a boot under TCG on a busy machine can take minutes

t.test('a trivial job runs in the guest', { skip: gate.skip }, async (t) => {
  if (gate.requiredButMissing) return t.fail(`PRIMECI_REQUIRE_VM=1 but ${gate.requiredButMissing}`);
  const kernel = packagedKernel();
  if (!kernel.ok) return t.fail(kernel.error);
  const initrd = buildInitramfs(kernel.value, vmCacheDir());
  if (!initrd.ok) return t.fail(initrd.error);
  const out = mkdtempSync(join(tmpdir(), 'primeci-vm-test-'));
  const lines: string[] = [];
  const run = await runVmJob({
    kernel: kernel.value,
    initrd: initrd.value,
    shares: [out],
    script: `cat /sys/kernel/debug/dri/*/name > ${out}/drivers; cat /sys/module/drm_kms_helper/parameters/fbdev_emulation > ${out}/fbdev; node -e 'process.stdout.write(process.version)' > ${out}/node; exit 7\n`,
    silenceMs: 60_000,
    timeoutMs: 180_000,
    consoleLog: join(out, 'console.log'),
    onLine: (line) => lines.push(line),
  });
  t.same(run.end.kind === 'poweroff' && run.end.jobStatus, 7, 'the job\'s exit status comes back');
  t.equal(run.guest?.release, kernel.value.release, 'the guest runs the packaged kernel');
  t.match(run.guest?.version ?? '', /^Linux version /);
  t.equal(readFileSync(join(out, 'node'), 'utf8'), process.version, 'the host\'s node runs in the guest');
  const drivers = readFileSync(join(out, 'drivers'), 'utf8');
  t.match(drivers, /^vgem /m, 'vgem is loaded');
  t.match(drivers, /^cirrus /m, 'cirrus drives the second device');
  t.equal(readFileSync(join(out, 'fbdev'), 'utf8'), 'N\n', 'drm_kms_helper is loaded with its parameter: no fbdev');
  t.ok(existsSync(join(out, 'console.log')));
  t.ok(lines.some((line) => line.startsWith('primeci-vm: guest up')));
});

/** Boots a job that misbehaves; returns how the boot ended and the console. */
async function misbehave(script: string, silenceMs: number, stallMs: number) {
  const kernel = packagedKernel();
  if (!kernel.ok) throw new Error(kernel.error);
  const initrd = buildInitramfs(kernel.value, vmCacheDir());
  if (!initrd.ok) throw new Error(initrd.error);
  const out = mkdtempSync(join(tmpdir(), 'primeci-vm-test-'));
  const run = await runVmJob({
    kernel: kernel.value, initrd: initrd.value, shares: [], script,
    silenceMs, stallMs, timeoutMs: 300_000, consoleLog: join(out, 'console.log'),
  });
  return { end: run.end.kind, console: readFileSync(join(out, 'console.log'), 'utf8') };
}

t.test('a job that makes no progress is killed as stalled', { skip: gate.skip }, async (t) => {
  if (gate.requiredButMissing) return t.fail(`PRIMECI_REQUIRE_VM=1 but ${gate.requiredButMissing}`);
  const run = await misbehave('echo started; sleep 600\n', 120_000, 25_000);
  t.equal(run.end, 'stalled');
  t.match(run.console, /started[\s\S]*primeci-vm: heartbeat/, 'the kernel was alive: its heartbeat went on');
});

t.test('a guest whose kernel stops answering is killed as silent', { skip: gate.skip }, async (t) => {
  if (gate.requiredButMissing) return t.fail(`PRIMECI_REQUIRE_VM=1 but ${gate.requiredButMissing}`);
  // Stopping every other process stops the heartbeat, as a dead kernel would.
  const run = await misbehave('echo freezing; kill -STOP -1; sleep 600\n', 25_000, 300_000);
  t.equal(run.end, 'silent');
  t.match(run.console, /freezing/);
});
