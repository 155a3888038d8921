// Issue 10's lockdep kernel: a whole kernel built with PROVE_LOCKING boots in
// the VM; on it, a vgem patch of our own that takes two locks in opposite
// orders on the fence attach and signal paths gives a real lockdep splat,
// which the runner records as dmesg-warn (and, asked to, aborts on) exactly
// as it does for the simulator's lockdep.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { readKernelFolder } from '../../kernel/manifest.ts';
import { vmTestGate } from '../../vm/availability.ts';
import { kernelBuildGate } from './gate.ts';
import { fixture, folderOf, primeci, verdicts } from './native.ts';

// A cold lockdep kernel is ~10 minutes of compiling on 2 cores; then guests.
t.setTimeout(3_600_000);

const gates = [vmTestGate(), kernelBuildGate()];
const skip = gates.map((g) => g.skip).find(Boolean) ?? false;
const scratch = mkdtempSync(join(tmpdir(), 'primeci-lockdep-'));
const SELECT = ['-t', 'vgem_basic@dmabuf-fence'];

t.test('a lock-order inversion in vgem is a dmesg-warn on a lockdep kernel', { skip }, async (t) => {
  for (const g of gates) if (g.requiredButMissing) return t.fail(`required here: ${g.requiredButMissing}`);
  const plain = await primeci(['kernel', 'build', '--lockdep']);
  t.equal(plain.code, 0, `lockdep kernel: ${plain.stderr}`);
  const patched = await primeci(['kernel', 'build', '--lockdep', '--patch', fixture('vgem-lock-inversion.patch')]);
  t.equal(patched.code, 0, `lockdep kernel + inversion: ${patched.stderr}`);
  const folder = readKernelFolder(folderOf(patched));
  if (!folder.ok) return t.fail(folder.error);
  t.match(folder.value.manifest, { kind: 'full', config: { lockdep: true } });

  const clean = await primeci(['vm', '--kernel-dir', folderOf(plain), '--', 'run', ...SELECT, '--results', join(scratch, 'plain')]);
  t.equal(clean.code, 0, `no splat without the patch:\n${clean.stdout.slice(-1500)}`);
  t.equal(verdicts(join(scratch, 'plain')).tests['igt@vgem_basic@dmabuf-fence']?.result, 'pass');

  const dir = join(scratch, 'patched');
  await primeci(['vm', '--kernel-dir', folder.value.dir, '--', 'run', ...SELECT, '--results', dir]);
  const job = verdicts(dir).tests['igt@vgem_basic@dmabuf-fence'];
  t.equal(job?.result, 'dmesg-warn', 'the splat makes the subtest dmesg-warn');
  t.match(job?.dmesg, /possible circular locking dependency detected/);
  t.match(job?.dmesg, /vgem_fence_order_lock/, 'the report names the patch\'s lock…');
  t.match(job?.dmesg, /fence_mutex/, '…and the one it is inverted with');

  const aborting = join(scratch, 'abort');
  const abort = await primeci([
    'vm', '--kernel-dir', folder.value.dir, '--', 'run', '-t', 'vgem_basic@dmabuf-fence', '--abort-on-monitored-error=lockdep', '--results', aborting,
  ]);
  t.not(abort.code, 0);
  const tests = verdicts(aborting).tests;
  t.ok(tests['igt@runner@aborted'], 'the run aborts on the lockdep splat, as igt_runner does');
  t.equal(tests['igt@vgem_basic@dmabuf-fence-before']?.result, 'notrun', 'the next job never ran');
});
