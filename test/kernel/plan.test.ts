// Which modules a patch needs rebuilt, read from Debian's own 6.1 source
// (its Makefiles) and the packaged kernel's config, as the module path does.
import t from 'tap';
import { KernelBuildError } from '../../kernel/errors.ts';
import { readConfig } from '../../kernel/kbuild.ts';
import { kbuildFor, planModules } from '../../kernel/modules.ts';
import { packagedKernel } from '../../kernel/packaged.ts';
import { applyPatches } from '../../kernel/patch.ts';
import { bareDiff } from '../../kernel/series.ts';
import { resolveSource } from '../../kernel/source.ts';
import { kernelBuildGate } from './gate.ts';

const gate = kernelBuildGate();

t.test('touched files map to the modules Debian builds them into', { skip: gate.skip }, (t) => {
  if (gate.requiredButMissing) t.fail(`kernel builds are required here: ${gate.requiredButMissing}`);
  const source = resolveSource(undefined);
  const packaged = packagedKernel();
  if (!packaged.ok) throw new Error(packaged.error);
  const config = readConfig(packaged.value.config);
  const plan = (files: string[]) => {
    const p = planModules(source.dir, files, config, []);
    return { modules: p.jobs.map((j) => j.name), builtIn: p.builtIn, ignored: p.ignored };
  };
  t.same(plan(['drivers/gpu/drm/vgem/vgem_fence.c']), { modules: ['vgem'], builtIn: [], ignored: [] }, 'vgem-y := vgem_drv.o vgem_fence.o, CONFIG_DRM_VGEM=m');
  t.same(plan(['drivers/gpu/drm/drm_prime.c']).modules, ['drm'], 'drm-y lists drm_prime.o; CONFIG_DRM=m');
  t.same(plan(['drivers/gpu/drm/drm_gem_shmem_helper.c']).modules, ['drm_shmem_helper']);
  t.same(plan(['drivers/gpu/drm/drm_ioc32.c']).modules, ['drm'], 'drm-$(CONFIG_COMPAT) += drm_ioc32.o');
  t.same(plan(['drivers/gpu/drm/vgem/vgem_drv.h']).modules, ['vgem'], 'a private header: the files of its folder that include it');
  t.same(plan(['drivers/dma-buf/dma-buf.c']).builtIn, ['drivers/dma-buf/dma-buf.c'], 'obj-y: built into the image');
  t.same(plan(['include/linux/dma-buf.h']).builtIn, ['include/linux/dma-buf.h'], 'a public header may be included by built-in code');
  t.same(plan(['drivers/dma-buf/sw_sync.c']).ignored, ['drivers/dma-buf/sw_sync.c'], 'CONFIG_SW_SYNC is unset in Debian: nothing links it (without the extras)');
  t.same(plan(['Documentation/driver-api/dma-buf.rst']).ignored, ['Documentation/driver-api/dma-buf.rst']);
  const drm = planModules(source.dir, ['drivers/gpu/drm/drm_prime.c'], config, []).jobs[0];
  t.match(kbuildFor(source.dir, { ...drm, objects: [], lines: [], built: 'm' }), /^obj-m \+= drm\.o\n/, 'a generated Kbuild builds just that module');
  t.match(drm.kbuild, /drm-y\s*:=.*drm_prime\.o/s, '…with the Makefile\'s own object lists');
  t.end();
});

t.test('a patch that does not apply names itself and what it was applied to', { skip: gate.skip }, (t) => {
  const source = resolveSource(undefined);
  const stale = [
    'diff --git a/drivers/gpu/drm/vgem/vgem_fence.c b/drivers/gpu/drm/vgem/vgem_fence.c',
    '--- a/drivers/gpu/drm/vgem/vgem_fence.c',
    '+++ b/drivers/gpu/drm/vgem/vgem_fence.c',
    '@@ -1,2 +1,2 @@',
    '-this line is not in the file',
    '+nor is this one',
    ' context',
    '',
  ].join('\n');
  const patch = bareDiff('x.patch', 'drm/vgem: stale', stale);
  t.same(patch.files.map((f) => f.newPath), ['drivers/gpu/drm/vgem/vgem_fence.c']);
  t.throws(() => applyPatches(source.dir, [patch], 'debian-6.1'), /x\.patch \("drm\/vgem: stale"\) does not apply to debian-6\.1:\n.*vgem_fence\.c/s);
  t.throws(() => bareDiff('y.patch', 'y', 'no diff here\n'), KernelBuildError);
  t.end();
});
