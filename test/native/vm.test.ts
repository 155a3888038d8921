// Runs test/native/guest/vgem-checks.ts and buffer-checks.ts inside the VM
// (Debian's kernel with vgem and cirrus, and the out-of-tree udmabuf, dma-heap
// and dmabuf_selftests modules) and asserts each of their checks: the
// real-ioctl half of the native backend's tests.
import t from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { CheckResult } from './guest/checks.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vmTestGate } from '../../vm/availability.ts';
import { defaultKernel, vmCacheDir } from '../../vm/kernel.ts';
import { buildInitramfs } from '../../vm/initramfs.ts';
import { GUEST_NODE, runVmJob } from '../../vm/job.ts';

const root = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const gate = vmTestGate();
/** The guest scripts, each writing NAME.json, and how many checks each makes at least. */
const GUEST_CHECKS = [
  { script: 'vgem-checks.ts', name: 'vgem-checks', atLeast: 30 },
  { script: 'buffer-checks.ts', name: 'buffer-checks', atLeast: 35 },
];
t.setTimeout(600_000); // a boot under TCG on a busy machine can take minutes

t.test('the native backend on vgem in the VM', { skip: gate.skip }, async (t) => {
  if (gate.requiredButMissing) return t.fail(`PRIMECI_REQUIRE_VM=1 but ${gate.requiredButMissing}`);
  // The default VM's kernel: Debian's, with the modules its config lacks.
  const kernel = await defaultKernel((line) => t.comment(line));
  if (!kernel.ok) return t.fail(kernel.error);
  t.match(kernel.value.build, /^primeci-modules:debian-/, 'the default VM carries the extra modules');
  const initrd = buildInitramfs(kernel.value, vmCacheDir());
  if (!initrd.ok) return t.fail(initrd.error);
  const out = mkdtempSync(join(tmpdir(), 'primeci-native-vm-'));
  const run = await runVmJob({
    kernel: kernel.value,
    initrd: initrd.value,
    shares: [root, out],
    // every script runs, even after one crashed; the job's status says whether any did
    script: ['status=0\n', ...GUEST_CHECKS.map(({ script, name }) =>
      `cd ${root} && ${GUEST_NODE} --import tsx test/native/guest/${script} ${out}/${name}.json > ${out}/${name}.txt 2>&1 || status=1\n`),
    'exit $status\n'].join(''),
    silenceMs: 90_000,
    timeoutMs: 300_000,
    consoleLog: join(out, 'console.log'),
  });
  t.equal(run.end.kind, 'poweroff', `the guest powered off (console: ${join(out, 'console.log')})`);
  t.equal(run.end.kind === 'poweroff' ? run.end.jobStatus : undefined, 0, `the guest checks ran to the end (output: ${out}/*.txt)`);
  for (const { name, atLeast } of GUEST_CHECKS) {
    let checks: CheckResult[] = [];
    try {
      checks = JSON.parse(readFileSync(join(out, `${name}.json`), 'utf8'));
    } catch (e) {
      t.fail(`no ${name} results from the guest: ${(e as Error).message}`);
    }
    for (const check of checks) t.ok(check.pass, `${name}: ${check.name}`, check.pass ? {} : { detail: check.detail });
    t.ok(checks.length >= atLeast, `the guest made its ${checks.length} ${name}`);
  }
});
