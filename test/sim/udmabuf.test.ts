// memfd sealing (mm/memfd.c, mm/shmem.c), udmabuf (drivers/dma-buf/udmabuf.c)
// and the system dma-heap (dma-heap.c, heaps/system_heap.c) on the simulator:
// each errno path of the ops, and their dma-bufs behaving as dma-bufs.
import t from 'tap';
import type { Thread } from '../../backends/backend.ts';
import { bytes, errno, num, ok, rec, run } from './helpers.ts';

const PAGE = 4096;

/** A memfd of `pages` pages sealed as udmabuf wants it. */
function* sealedMemfd(th: Thread, pages: number) {
  const memfd = num(yield* th.call('memfd_create', { name: 'test', flags: ['allow_sealing'] }));
  ok(yield* th.call('memfd_add_seals', { fd: memfd, seals: ['shrink'] }));
  ok(yield* th.call('ftruncate', { fd: memfd, size: pages * PAGE }));
  return memfd;
}

t.test('memfd_create, seals and ftruncate', (t) => {
  run(function* (th) {
    t.equal(errno(yield* th.call('memfd_create', { flags: 0x8 })), 'EINVAL', 'MFD_HUGETLB and unknown flags are not offered');
    t.equal(errno(yield* th.call('memfd_create', { name: 'x'.repeat(250) })), 'EINVAL', 'name longer than NAME_MAX - "memfd:"');
    const unsealable = num(yield* th.call('memfd_create', {}));
    t.same(ok(yield* th.call('memfd_get_seals', { fd: unsealable })), ['seal'], 'without allow_sealing: F_SEAL_SEAL');
    t.equal(errno(yield* th.call('memfd_add_seals', { fd: unsealable, seals: ['shrink'] })), 'EPERM');
    const memfd = num(yield* th.call('memfd_create', { flags: ['allow_sealing', 'cloexec'] }));
    t.same(ok(yield* th.call('memfd_get_seals', { fd: memfd })), []);
    t.equal(errno(yield* th.call('memfd_add_seals', { fd: memfd, seals: 0x20 })), 'EINVAL', 'unknown seal');
    t.equal(errno(yield* th.call('memfd_add_seals', { fd: memfd, seals: -1 })), 'EINVAL', 'upper 32 bits');
    t.equal(errno(yield* th.call('ftruncate', { fd: memfd, size: -1 })), 'EINVAL', 'negative length');
    ok(yield* th.call('ftruncate', { fd: memfd, size: 2 * PAGE }));
    t.equal(num(yield* th.call('lseek', { fd: memfd, offset: 0, whence: 'end' })), 2 * PAGE, 'the size is the file\'s');
    ok(yield* th.call('memfd_add_seals', { fd: memfd, seals: ['shrink', 'grow'] }));
    t.equal(errno(yield* th.call('ftruncate', { fd: memfd, size: PAGE })), 'EPERM', 'F_SEAL_SHRINK');
    t.equal(errno(yield* th.call('ftruncate', { fd: memfd, size: 3 * PAGE })), 'EPERM', 'F_SEAL_GROW');
    ok(yield* th.call('ftruncate', { fd: memfd, size: 2 * PAGE }));
    const map = num(yield* th.call('mmap', { fd: memfd, length: 2 * PAGE }));
    t.equal(errno(yield* th.call('memfd_add_seals', { fd: memfd, seals: ['write'] })), 'EBUSY', 'mapped writable');
    ok(yield* th.call('munmap', { map }));
    ok(yield* th.call('memfd_add_seals', { fd: memfd, seals: ['write', 'seal'] }));
    t.same(ok(yield* th.call('memfd_get_seals', { fd: memfd })), ['seal', 'shrink', 'grow', 'write']);
    t.equal(errno(yield* th.call('mmap', { fd: memfd, length: PAGE })), 'EPERM', 'no shared writable mapping under F_SEAL_WRITE');
    ok(yield* th.call('mmap', { fd: memfd, length: PAGE, prot: ['read'] }));
    t.equal(errno(yield* th.call('memfd_add_seals', { fd: memfd, seals: ['future_write'] })), 'EPERM', 'F_SEAL_SEAL');
    const vgem = num(yield* th.call('open', { driver: 'vgem' }));
    t.equal(errno(yield* th.call('memfd_get_seals', { fd: vgem })), 'EINVAL', 'not a shmem file');
    t.equal(errno(yield* th.call('ftruncate', { fd: vgem, size: 0 })), 'EINVAL', 'not a regular file');
    t.equal(errno(yield* th.call('memfd_get_seals', { fd: 99 })), 'EBADF');
  });
  t.end();
});

t.test('UDMABUF_CREATE: the checks of udmabuf_create in its order', (t) => {
  run(function* (th) {
    const dev = num(yield* th.call('open', { path: '/dev/udmabuf' }));
    const memfd = yield* sealedMemfd(th, 4);
    const create = (args: Record<string, unknown>) => th.call('udmabuf_create', { fd: dev, memfd, offset: 0, size: 4 * PAGE, ...args });
    t.equal(errno(yield* create({ offset: PAGE / 2, size: PAGE })), 'EINVAL', 'unaligned offset');
    t.equal(errno(yield* create({ size: PAGE / 2 })), 'EINVAL', 'size not whole pages');
    t.equal(errno(yield* create({ size: 0 })), 'EINVAL', 'no pages');
    t.equal(errno(yield* create({ size: 65 << 20 })), 'EINVAL', 'beyond size_limit_mb');
    t.equal(errno(yield* create({ memfd: dev })), 'EBADFD', 'not a shmem file');
    t.equal(errno(yield* create({ memfd: 77 })), 'EBADFD', 'not open');
    t.equal(errno(yield* create({ offset: 2 * PAGE, size: 4 * PAGE })), 'EINVAL', 'range beyond the memfd\'s size');
    const unsealed = num(yield* th.call('memfd_create', { flags: ['allow_sealing'] }));
    ok(yield* th.call('ftruncate', { fd: unsealed, size: PAGE }));
    t.equal(errno(yield* create({ memfd: unsealed, size: PAGE })), 'EINVAL', 'without F_SEAL_SHRINK');
    ok(yield* th.call('memfd_add_seals', { fd: unsealed, seals: ['shrink', 'future_write'] }));
    t.equal(errno(yield* create({ memfd: unsealed, size: PAGE })), 'EINVAL', 'with a write seal');
    t.equal(errno(yield* th.call('udmabuf_create', { fd: memfd, memfd, offset: 0, size: PAGE })), 'ENOTTY', 'not the udmabuf device');

    const buf = num(yield* create({ flags: ['cloexec'] }));
    t.match(rec(yield* th.call('fdinfo', { fd: buf })), { size: 4 * PAGE, exp_name: 'udmabuf', flags: /^02000002$/ });
    t.equal(errno(yield* th.call('memfd_add_seals', { fd: memfd, seals: ['write'] })), 'EBUSY', 'its pages are pinned');
    ok(yield* th.call('close', { fd: buf }));
    ok(yield* th.call('memfd_add_seals', { fd: memfd, seals: ['write'] }));
  });
  t.end();
});

t.test('a udmabuf shares the memfd\'s pages and behaves as a dma-buf', (t) => {
  run(function* (th) {
    const dev = num(yield* th.call('open', { path: '/dev/udmabuf' }));
    const a = yield* sealedMemfd(th, 2);
    const b = yield* sealedMemfd(th, 2);
    const amap = num(yield* th.call('mmap', { fd: a, length: 2 * PAGE }));
    ok(yield* th.call('mem_write', { map: amap, byte: 0xaa }));
    const bmap = num(yield* th.call('mmap', { fd: b, length: 2 * PAGE }));
    ok(yield* th.call('mem_write', { map: bmap, byte: 0xbb }));
    const buf = num(yield* th.call('udmabuf_create_list', {
      fd: dev,
      items: [{ memfd: b, offset: PAGE, size: PAGE }, { memfd: a, offset: 0, size: 2 * PAGE }],
    }));
    t.equal(num(yield* th.call('lseek', { fd: buf, offset: 0, whence: 'end' })), 3 * PAGE);
    t.equal(errno(yield* th.call('dmabuf_sync', { fd: buf, flags: ['end', 'read'] })), 'EINVAL', 'end_cpu_access before a start');
    ok(yield* th.call('dmabuf_sync', { fd: buf, flags: ['start', 'read'] }));
    ok(yield* th.call('dmabuf_sync', { fd: buf, flags: ['end', 'read'] }));
    const map = num(yield* th.call('mmap', { fd: buf, length: 3 * PAGE }));
    t.same([...bytes(yield* th.call('mem_read', { map, offset: PAGE - 1, length: 2 }))], [0xbb, 0xaa], 'items in list order');
    ok(yield* th.call('mem_write', { map, offset: PAGE, length: 1, byte: 0x11 }));
    t.same([...bytes(yield* th.call('mem_read', { map: amap, length: 1 }))], [0x11], 'the memfd sees a write through the udmabuf');
    const poll = rec(yield* th.call('poll', { fd: buf, events: ['in', 'out'] }));
    t.same(poll.revents, ['in', 'out'], 'an idle dma-buf');
    const vgem = num(yield* th.call('open', { driver: 'vgem' }));
    num(yield* th.call('prime_fd_to_handle', { fd: vgem, dmabuf: buf }));
    t.equal(errno(yield* th.call('kernel_vmap', { dmabuf: buf })), 'EINVAL', 'udmabuf has no vmap in 6.1');
    t.equal(errno(yield* th.call('udmabuf_create_list', { fd: dev, items: [] })), 'EINVAL', 'an empty list');
  });
  t.end();
});

t.test('DMA_HEAP_IOCTL_ALLOC on the system heap', (t) => {
  run(function* (th) {
    t.equal(errno(yield* th.call('open', { path: '/dev/dma_heap/cma' })), 'ENOENT', 'only the system heap');
    const heap = num(yield* th.call('open', { path: '/dev/dma_heap/system' }));
    t.equal(errno(yield* th.call('dma_heap_alloc', { fd: heap, len: 0 })), 'EINVAL', 'len 0');
    t.equal(errno(yield* th.call('dma_heap_alloc', { fd: heap, len: PAGE, heap_flags: 0x111111 })), 'EINVAL', 'heap flags');
    t.equal(errno(yield* th.call('dma_heap_alloc', { fd: heap, len: PAGE, fd_flags: ~(0o2 | 0o2000000) })), 'EINVAL', 'fd flags');
    t.equal(errno(yield* th.call('dma_heap_alloc', { fd: 0, len: PAGE })), 'ENOTTY', 'not a heap');
    t.equal(errno(yield* th.call('dma_heap_alloc', { fd: 55, len: PAGE })), 'EBADF');
    const older = num(yield* th.call('dma_heap_alloc', { fd: heap, len: PAGE, heap_flags: 0x111111, layout: 'older' }));
    t.ok(older > 0, 'an older struct has no heap_flags: they are zero');
    t.equal(errno(yield* th.call('dma_heap_alloc', { fd: heap, len: PAGE, heap_flags: 1, layout: 'newer' })), 'EINVAL');
    const buf = num(yield* th.call('dma_heap_alloc', { fd: heap, len: PAGE + 1 }));
    t.match(rec(yield* th.call('fdinfo', { fd: buf })), { size: 2 * PAGE, exp_name: 'system', flags: /^02000002$/ });
    const map = num(yield* th.call('mmap', { fd: buf, length: 2 * PAGE }));
    t.same([...new Set(bytes(yield* th.call('mem_read', { map })))], [0], 'zeroed');
    ok(yield* th.call('dmabuf_sync', { fd: buf, flags: ['end', 'write'] }));
    const ro = num(yield* th.call('dma_heap_alloc', { fd: heap, len: PAGE, fd_flags: [] }));
    t.equal(errno(yield* th.call('mmap', { fd: ro, length: PAGE })), 'EACCES', 'O_RDONLY: no writable mapping');
    const vmap = num(yield* th.call('kernel_vmap', { dmabuf: buf }));
    ok(yield* th.call('kernel_vunmap', { vmap }));
  });
  t.end();
});

t.test("driver 'any' is IGT's DRIVER_ANY: never vgem, vkms or virtio_gpu", (t) => {
  const { session } = run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'any' }));
    t.match(rec(yield* th.call('fdinfo', { fd })), { 'drm-driver': 'i915-sim' }, 'the simulator\'s GPU, as i915 on Intel CI');
    const render = num(yield* th.call('open_render', { driver: 'any' }));
    t.match(rec(yield* th.call('fdinfo', { fd: render })), { 'drm-driver': 'i915-sim' });
  });
  t.equal(session.unmet({ driver: 'any' }), undefined);
  session.kernel.devices.splice(session.kernel.devices.findIndex((d) => d.driver.name === 'i915-sim'), 1);
  t.match(session.unmet({ driver: 'any' }), /no DRM device but vgem, vkms, virtio_gpu in the simulated kernel \(IGT's DRIVER_ANY\)/);
  t.end();
});
