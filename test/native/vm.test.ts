// Runs test/native/guest/vgem-checks.ts inside the VM (Debian's kernel with
// vgem and cirrus) and asserts each of its checks: the real-ioctl half of the
// native backend's tests.
import t from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { CheckResult } from './guest/checks.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vmTestGate } from '../../vm/availability.ts';
import { packagedKernel, vmCacheDir } from '../../vm/kernel.ts';
import { buildInitramfs } from '../../vm/initramfs.ts';
import { GUEST_NODE, runVmJob } from '../../vm/job.ts';

const root = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const gate = vmTestGate();
t.setTimeout(600_000); // a boot under TCG on a busy machine can take minutes

t.test('the native backend on vgem in the VM', { skip: gate.skip }, async (t) => {
  if (gate.requiredButMissing) return t.fail(`PRIMECI_REQUIRE_VM=1 but ${gate.requiredButMissing}`);
  const kernel = packagedKernel();
  if (!kernel.ok) return t.fail(kernel.error);
  const initrd = buildInitramfs(kernel.value, vmCacheDir());
  if (!initrd.ok) return t.fail(initrd.error);
  const out = mkdtempSync(join(tmpdir(), 'primeci-native-vm-'));
  const run = await runVmJob({
    kernel: kernel.value,
    initrd: initrd.value,
    shares: [root, out],
    script: `cd ${root} && ${GUEST_NODE} --import tsx test/native/guest/vgem-checks.ts ${out}/checks.json > ${out}/output.txt 2>&1\n`,
    silenceMs: 90_000,
    timeoutMs: 300_000,
    consoleLog: join(out, 'console.log'),
  });
  t.equal(run.end.kind, 'poweroff', `the guest powered off (console: ${join(out, 'console.log')})`);
  t.equal(run.end.kind === 'poweroff' ? run.end.jobStatus : undefined, 0, `the guest checks ran to the end (output: ${join(out, 'output.txt')})`);
  let checks: CheckResult[] = [];
  try {
    checks = JSON.parse(readFileSync(join(out, 'checks.json'), 'utf8'));
  } catch (e) {
    t.fail(`no check results from the guest: ${(e as Error).message}`);
  }
  for (const check of checks) t.ok(check.pass, check.name, check.pass ? {} : { detail: check.detail });
  t.ok(checks.length >= 30, `the guest made its ${checks.length} checks`);
});
