// Kernel builds: PROFILE[+PATCH]... parsing, inheritance and contradictions.
import t from 'tap';
import { parseBuild } from '../../backends/sim/index.ts';

t.test('profiles inherit their parents switches', (t) => {
  const b61 = parseBuild('linux-6.1');
  const b62 = parseBuild('linux-6.2');
  const main = parseBuild('mainline');
  if (!b61.ok || !b62.ok || !main.ok) throw new Error('a shipped profile does not parse');
  t.equal(b61.switches.dma_buf_mmap_locking, 'none');
  t.equal(b62.switches.dma_buf_mmap_locking, 'core');
  t.equal(b62.switches.shmem_lock, 'pages_lock', 'inherited from linux-6.1');
  t.equal(main.switches.dma_buf_mmap_locking, 'exporter');
  t.equal(main.switches.shmem_lock, 'resv');
  t.equal(main.name, 'mainline');
  t.end();
});

t.test('the seed-000 series and drm_show_fdinfo are 6.5, not 6.4; drm_gem_shmem_free takes the resv lock from 6.5', (t) => {
  const b64 = parseBuild('linux-6.4');
  const b65 = parseBuild('linux-6.5');
  const main = parseBuild('mainline');
  if (!b64.ok || !b65.ok || !main.ok) throw new Error('a shipped profile does not parse');
  t.match(b64.switches, { dma_buf_mmap_locking: 'core', shmem_lock: 'pages_lock', shmem_free_takes_resv: false, drm_show_fdinfo: false });
  t.match(b65.switches, { dma_buf_mmap_locking: 'exporter', shmem_lock: 'resv', shmem_free_takes_resv: true, drm_show_fdinfo: true });
  t.match(main.switches, { shmem_free_takes_resv: true, dma_buf_vmap_lock: 'resv' });
  t.end();
});

t.test('patches apply in order on any profile', (t) => {
  const b = parseBuild('linux-6.2+drm-shmem-resv-lock');
  t.ok(b.ok);
  if (b.ok) {
    t.equal(b.switches.shmem_lock, 'resv');
    t.equal(b.switches.dma_buf_mmap_locking, 'core');
    t.same(b.patches, ['drm-shmem-resv-lock']);
  }
  const m = parseBuild('mainline+dma-buf-poll-legacy');
  t.ok(m.ok && m.switches.dma_buf_poll === 'legacy', 'a bug re-applies on mainline');
  const fixed = parseBuild('linux-6.5+drm-shmem-shrinker+drm-shmem-free-no-lock');
  t.ok(fixed.ok && fixed.switches.shmem_free_takes_resv === false, 'a fix may override the patch it fixes');
  t.end();
});

t.test('bad builds are errors naming the culprit', (t) => {
  const unknown = parseBuild('linux-2.6');
  t.match(!unknown.ok && unknown.error, /unknown kernel profile 'linux-2\.6'.*mainline/);
  const badPatch = parseBuild('mainline+no-such-patch');
  t.match(!badPatch.ok && badPatch.error, /unknown kernel patch 'no-such-patch'/);
  const twice = parseBuild('mainline+dma-buf-poll-legacy+dma-buf-poll-legacy');
  t.match(!twice.ok && twice.error, /applied twice/);
  const contra = parseBuild('linux-6.5+drm-shmem-free-no-lock+drm-shmem-shrinker');
  t.match(!contra.ok && contra.error, /'drm-shmem-free-no-lock' and 'drm-shmem-shrinker' contradict/);
  t.end();
});
