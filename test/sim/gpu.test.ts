// The simulated GPU (i915-sim): GEM ioctls, jobs with implicit sync, spinners,
// hangs and resets; and direct reclaim with the drm-shmem shrinker.
import t from 'tap';
import type { Thread } from '../../backends/backend.ts';
import { bytes, dmesg, errno, num, ok, rec, run } from './helpers.ts';

function* gpuBuffer(th: Thread, size = 4096) {
  const gpu = num(yield* th.call('open', { driver: 'i915-sim' }));
  const handle = num(yield* th.call('gem_create', { fd: gpu, size }));
  return { gpu, handle };
}

t.test('gem_create, pwrite and pread with their bounds', (t) => {
  run(function* (th) {
    const { gpu, handle } = yield* gpuBuffer(th, 5000);
    t.equal(errno(yield* th.call('gem_create', { fd: gpu, size: 0 })), 'EINVAL');
    ok(yield* th.call('gem_pwrite', { fd: gpu, handle, offset: 8000, length: 192, byte: 9 }));
    t.same([...bytes(yield* th.call('gem_pread', { fd: gpu, handle, offset: 7999, length: 2 }))], [0, 9]);
    t.equal(bytes(yield* th.call('gem_pread', { fd: gpu, handle })).length, 8192, 'rounded up to pages');
    t.equal(errno(yield* th.call('gem_pwrite', { fd: gpu, handle, offset: 8190, length: 4, byte: 1 })), 'EINVAL');
    t.equal(errno(yield* th.call('gem_pread', { fd: gpu, handle, offset: -1, length: 1 })), 'EINVAL');
    t.equal(errno(yield* th.call('gem_pwrite', { fd: gpu, handle })), 'EINVAL', 'no content');
    t.equal(errno(yield* th.call('gem_pread', { fd: gpu, handle: 77 })), 'ENOENT');
    const vgem = num(yield* th.call('open', { driver: 'vgem' }));
    t.equal(errno(yield* th.call('gem_create', { fd: vgem, size: 4096 })), 'EINVAL', 'not a vgem ioctl');
  });
  t.end();
});

t.test('a spinning job keeps its buffers busy until ended; then its writes land', (t) => {
  run(function* (th) {
    const { gpu, handle } = yield* gpuBuffer(th);
    const src = num(yield* th.call('gem_create', { fd: gpu, size: 4096 }));
    const job = rec(yield* th.call('gpu_submit', { fd: gpu, engine: 'bcs0', reads: src, writes: [handle], pattern: 'index8', spin: true }));
    t.same(rec(yield* th.call('gem_busy', { fd: gpu, handle })), { busy: true, write: 'bcs0', read: ['bcs0'] });
    t.same(rec(yield* th.call('gem_busy', { fd: gpu, handle: src })), { busy: true, write: null, read: ['bcs0'] });
    t.equal(errno(yield* th.call('gem_wait', { fd: gpu, handle, timeout_ms: 1000 })), 'ETIME');
    ok(yield* th.call('gpu_spin_end', { fd: gpu, job: job.job }));
    t.equal(errno(yield* th.call('gpu_spin_end', { fd: gpu, job: 99 })), 'ENOENT');
    ok(yield* th.call('gem_set_domain', { fd: gpu, handle, write: true }));
    t.same(rec(yield* th.call('gem_busy', { fd: gpu, handle })), { busy: false, write: null, read: [] });
    const data = bytes(yield* th.call('gem_pread', { fd: gpu, handle, length: 300 }));
    t.equal(data[299], 299 & 0xff);
  });
  t.end();
});

t.test('jobs wait for implicit fences: a vgem write fence holds back a GPU read', (t) => {
  run(function* (th) {
    const vgem = num(yield* th.call('open', { driver: 'vgem' }));
    const gpu = num(yield* th.call('open', { driver: 'i915-sim' }));
    const bo = rec(yield* th.call('create_dumb', { fd: vgem, width: 1024, height: 1, bpp: 32 }));
    const dmabuf = num(yield* th.call('prime_handle_to_fd', { fd: vgem, handle: bo.handle }));
    const imported = num(yield* th.call('prime_fd_to_handle', { fd: gpu, dmabuf }));
    const fence = num(yield* th.call('vgem_fence_attach', { fd: vgem, handle: bo.handle, flags: ['write'] }));
    const target = num(yield* th.call('gem_create', { fd: gpu, size: 4096 }));
    const job = rec(yield* th.call('gpu_submit', { fd: gpu, engine: 'rcs0', reads: imported, writes: target, byte: 1, out_fence: true }));
    yield* th.sleep(1000);
    t.equal(rec(yield* th.call('sync_file_info', { fd: job.fence as number })).status, 0, 'still waiting for vgem');
    ok(yield* th.call('vgem_fence_signal', { fd: vgem, fence }));
    ok(yield* th.call('sync_file_wait', { fd: job.fence as number, timeout_ms: 100 }));
    t.match(rec(yield* th.call('sync_file_info', { fd: job.fence as number })), { status: 1, fences: [{ driver_name: 'i915-sim', obj_name: 'rcs0' }] });
  });
  t.end();
});

t.test('jobs on one engine run in order; an in-fence orders across engines', (t) => {
  run(function* (th) {
    const { gpu, handle } = yield* gpuBuffer(th);
    const first = rec(yield* th.call('gpu_submit', { fd: gpu, engine: 'vcs0', spin: true, out_fence: true }));
    const second = rec(yield* th.call('gpu_submit', { fd: gpu, engine: 'vcs0', out_fence: true }));
    const tl = num(yield* th.call('sw_sync_timeline_create', {}));
    const gate = num(yield* th.call('sw_sync_fence_create', { timeline: tl, value: 1 }));
    const other = rec(yield* th.call('gpu_submit', { fd: gpu, engine: 'vecs0', writes: handle, byte: 3, in_fence: gate, out_fence: true }));
    t.equal(errno(yield* th.call('gpu_submit', { fd: gpu, engine: 'rcs0', in_fence: handle })), 'EINVAL', 'in_fence not a sync_file');
    yield* th.sleep(100);
    t.equal(errno(yield* th.call('sync_file_wait', { fd: second.fence as number, timeout_ms: 0 })), 'ETIME', 'behind the spinner');
    t.equal(errno(yield* th.call('sync_file_wait', { fd: other.fence as number, timeout_ms: 0 })), 'ETIME', 'behind its in-fence');
    yield* th.call('gpu_spin_end', { fd: gpu, job: first.job });
    yield* th.call('sw_sync_timeline_inc', { timeline: tl });
    ok(yield* th.call('sync_file_wait', { fd: second.fence as number, timeout_ms: 10 }));
    ok(yield* th.call('sync_file_wait', { fd: other.fence as number, timeout_ms: 10 }));
    t.equal(bytes(yield* th.call('gem_pread', { fd: gpu, handle, length: 1 }))[0], 3);
  });
  t.end();
});

t.test('a hanging job is reset by hangcheck: its fence signals with -EIO and its writes never land', (t) => {
  const { session } = run(function* (th) {
    const { gpu, handle } = yield* gpuBuffer(th);
    const job = rec(yield* th.call('gpu_submit', { fd: gpu, engine: 'rcs0', writes: handle, byte: 5, hang: true, out_fence: true }));
    const start = th.now();
    ok(yield* th.call('gem_wait', { fd: gpu, handle, timeout_ms: -1 }));
    t.ok(th.now() - start >= 6000, 'reset after the hangcheck period');
    t.equal(rec(yield* th.call('sync_file_info', { fd: job.fence as number })).status, -5);
    t.equal(bytes(yield* th.call('gem_pread', { fd: gpu, handle, length: 1 }))[0], 0);
  });
  t.match(dmesg(session), /GPU HANG: .* on rcs0[\s\S]*Resetting rcs0/);
  t.end();
});

t.test('direct reclaim: no shrinker, no report on mainline; scanned objects with the shrinker', (t) => {
  const body = (counts: number[]) => function* (th: Thread) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const bo = rec(yield* th.call('create_dumb', { fd, width: 1024, height: 1, bpp: 32 }));
    const map = num(yield* th.call('mmap', { fd, length: 4096, offset: num(yield* th.call('map_dumb', { fd, handle: bo.handle })) }));
    yield* th.call('mem_write', { map, byte: 4 });
    counts.push(num(yield* th.call('memory_pressure', {})));
    t.equal(bytes(yield* th.call('mem_read', { map, length: 1 }))[0], 4, 'eviction keeps the contents');
  };
  const mainline: number[] = [];
  const shrinker: number[] = [];
  t.notMatch(dmesg(run(body(mainline)).session), /WARNING/);
  t.notMatch(dmesg(run(body(shrinker), 'mainline+drm-shmem-shrinker').session), /WARNING/, 'nothing freed inside reclaim');
  t.same(mainline, [0]);
  t.same(shrinker, [1]);
  t.end();
});

t.test('in-kernel importers: vmap counted by the core, or torn down by the first vunmap', (t) => {
  const body = (seen: string[]) => function* (th: Thread) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const bo = rec(yield* th.call('create_dumb', { fd, width: 1024, height: 1, bpp: 32 }));
    const dmabuf = num(yield* th.call('prime_handle_to_fd', { fd, handle: bo.handle, flags: ['rdwr'] }));
    const map = num(yield* th.call('mmap', { fd: dmabuf, length: 4096 }));
    yield* th.call('mem_write', { map, byte: 6 });
    const a = num(yield* th.call('kernel_vmap', { dmabuf }));
    const b = num(yield* th.call('kernel_vmap', { dmabuf }));
    yield* th.call('close', { fd: dmabuf });
    ok(yield* th.call('kernel_vunmap', { vmap: a }));
    seen.push(errno(yield* th.call('kernel_vmap_read', { vmap: b, length: 4 })));
    seen.push(errno(yield* th.call('kernel_vunmap', { vmap: a })));
    ok(yield* th.call('kernel_vunmap', { vmap: b }));
    seen.push(errno(yield* th.call('kernel_vmap', { dmabuf })));
  };
  const core: string[] = [];
  const driver: string[] = [];
  const { session } = run(body(core));
  run(body(driver), 'mainline+prime-helpers-struct-mutex');
  t.same(core, ['ok', 'EINVAL', 'EBADF'], 'the second user still reads; the dma-buf fd is closed');
  t.same(driver, ['EFAULT', 'EINVAL', 'EBADF'], 'the mapping was torn down under the second user');
  t.equal(session.kernel.devices[0].object_count, 0, 'the importers held the dma-buf, and let go');
  t.end();
});

t.test('an unloaded driver leaves no shrinker behind', (t) => {
  const { session } = run(function* (th) {
    ok(yield* th.call('module_unload', { name: 'vkms' }));
    ok(yield* th.call('module_load', { name: 'vkms' }));
    ok(yield* th.call('module_unload', { name: 'vkms' }));
  }, 'mainline+drm-shmem-shrinker');
  t.same(session.kernel.shrinkers.map((s) => s.name), ['vgem', 'i915-sim']);
  t.end();
});
