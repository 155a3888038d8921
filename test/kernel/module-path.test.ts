// Issue 10's module path end to end: a vgem patch of our own (it drops the
// pad check of vgem_fence_attach_ioctl) is built into Debian's kernel by
// rebuilding vgem.ko alone, the VM boots it, and vgem_basic@bad-pad fails
// while every other subtest keeps the verdict it has on the default kernel.
// The same build again compiles nothing.
import { readFileSync, statSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { readKernelFolder } from '../../kernel/manifest.ts';
import { vmTestGate } from '../../vm/availability.ts';
import { kernelBuildGate } from './gate.ts';
import { fixture, folderOf, primeci, verdicts } from './native.ts';

t.setTimeout(1_800_000); // a cold build and two guests under TCG

const gates = [vmTestGate(), kernelBuildGate()];
const skip = gates.map((g) => g.skip).find(Boolean) ?? false;
const scratch = mkdtempSync(join(tmpdir(), 'primeci-module-path-'));

t.test('a one-file vgem patch: built by the module path, booted, one errno check fails natively', { skip }, async (t) => {
  for (const g of gates) if (g.requiredButMissing) return t.fail(`required here: ${g.requiredButMissing}`);
  const patch = fixture('vgem-accept-pad.patch');
  const built = await primeci(['kernel', 'build', '--patch', patch]);
  t.equal(built.code, 0, `kernel build: ${built.stderr}`);
  const folder = readKernelFolder(folderOf(built));
  if (!folder.ok) return t.fail(folder.error);
  const m = folder.value.manifest;
  t.equal(m.kind, 'modules');
  t.match(m.patches, [{ subject: 'drm/vgem: stop checking the fence-attach pad', files: ['drivers/gpu/drm/vgem/vgem_fence.c'] }]);
  t.match(m.modules.find((x) => x.name === 'vgem'), { why: 'links drivers/gpu/drm/vgem/vgem_fence.c' }, 'vgem.ko rebuilt because it links the patched file');
  t.notOk(m.modules.some((x) => x.name === 'drm'), 'drm.ko is not rebuilt: the patch does not touch it');

  const vgemKo = m.modules.find((x) => x.name === 'vgem')!.path;
  const before = statSync(vgemKo).mtimeMs;
  const again = await primeci(['kernel', 'build', '--patch', patch]);
  t.equal(again.code, 0);
  t.equal(folderOf(again), folder.value.dir, 'the same input names the same folder');
  t.match(again.stderr, /cache hit/);
  t.equal(statSync(vgemKo).mtimeMs, before, 'nothing compiled the second time');

  const stockDir = join(scratch, 'stock');
  const patchedDir = join(scratch, 'patched');
  const stock = await primeci(['vm', '--', 'run', 'vgem_basic', '--results', stockDir]);
  t.equal(stock.code, 0, `vgem_basic passes on the default kernel:\n${stock.stdout.slice(-2000)}`);
  const patched = await primeci(['vm', '--kernel-dir', folder.value.dir, '--', 'run', 'vgem_basic', '--results', patchedDir]);
  t.equal(patched.code, 1, 'a test failed on the patched kernel');
  const base = verdicts(stockDir).tests;
  const after = verdicts(patchedDir).tests;
  t.equal(after['igt@vgem_basic@bad-pad']?.result, 'fail', 'the pad check is gone: bad-pad fails');
  for (const [name, { result }] of Object.entries(base)) {
    if (name !== 'igt@vgem_basic@bad-pad') t.equal(after[name]?.result, result, `${name} keeps its stock verdict`);
  }
  const kernel = JSON.parse(readFileSync(join(patchedDir, 'kernel.json'), 'utf8'));
  t.equal(kernel.key, m.key, 'the results name the kernel folder they ran on');
  t.match(readFileSync(join(patchedDir, 'metadata.txt'), 'utf8'), /kernel-build : primeci-modules:debian-6\.1\.\S+ \+ 1 patch/);
});
