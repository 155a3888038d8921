// The guest half of test/native/vm.test.ts for buffers from outside DRM: the
// native backend against the real kernel's udmabuf, system dma-heap and
// dmabuf_selftests (out-of-tree builds of Debian 6.1's drivers/dma-buf in the
// default VM), and IGT's DRIVER_ANY picking cirrus. Run inside the VM as
//   node --import tsx test/native/guest/buffer-checks.ts OUT.json
// it writes one {name, pass, detail} per check; the host test asserts them.
import { writeFileSync } from 'node:fs';
import { Checks } from './checks.ts';
import { call, ok, withSession } from './session.ts';
import type { Thread } from '../../../backends/backend.ts';

const t = new Checks();
const PAGE = 4096;

/** A memfd of `pages` pages with the seals udmabuf wants. */
function sealedMemfd(th: Thread, pages: number): number {
  const memfd = ok(call(th, 'memfd_create', { name: 'primeci', flags: ['allow_sealing'] }));
  ok(call(th, 'memfd_add_seals', { fd: memfd, seals: ['shrink'] }));
  ok(call(th, 'ftruncate', { fd: memfd, size: pages * PAGE }));
  return memfd;
}

t.test('the VM offers udmabuf, the system heap, dmabuf_selftests and a DRIVER_ANY device', (t) => {
  withSession((_th, session) => {
    for (const feature of ['udmabuf', 'dma_heap_system', 'dmabuf_selftests']) t.equal(session.unmet({ feature }), undefined, feature);
    t.equal(session.unmet({ driver: 'any' }), undefined, 'cirrus counts as DRIVER_ANY');
  });
});

t.test('udmabuf_create follows udmabuf.c', (t) => {
  withSession((th) => {
    const dev = ok(call(th, 'open', { path: '/dev/udmabuf' }));
    const memfd = sealedMemfd(th, 4);
    const create = (args: Record<string, unknown>) =>
      call(th, 'udmabuf_create', { fd: dev, memfd, offset: 0, size: 4 * PAGE, ...args });
    t.match(create({ offset: PAGE / 2, size: PAGE }), { ok: false, errno: 'EINVAL' }, 'unaligned offset');
    t.match(create({ size: PAGE / 2 }), { ok: false, errno: 'EINVAL' }, 'unaligned size');
    t.match(create({ size: 0 }), { ok: false, errno: 'EINVAL' }, 'no pages');
    const { fd0 } = ok(call(th, 'unix_socketpair', {}));
    t.match(create({ memfd: fd0 }), { ok: false, errno: 'EBADFD' }, 'a socket is not a shmem file');
    // devtmpfs is shmem, but a device node has no shmem address space operations
    t.match(create({ memfd: dev }), { ok: false, errno: 'EBADFD' }, 'nor is the device node');
    t.match(create({ offset: 2 * PAGE }), { ok: false, errno: 'EINVAL' }, 'past the memfd\'s end');
    const unsealed = ok(call(th, 'memfd_create', { flags: ['allow_sealing'] }));
    ok(call(th, 'ftruncate', { fd: unsealed, size: PAGE }));
    t.match(create({ memfd: unsealed, size: PAGE }), { ok: false, errno: 'EINVAL' }, 'without F_SEAL_SHRINK');
    ok(call(th, 'memfd_add_seals', { fd: unsealed, seals: ['shrink', 'write'] }));
    t.match(create({ memfd: unsealed, size: PAGE }), { ok: false, errno: 'EINVAL' }, 'with F_SEAL_WRITE');
    const mem = ok(call(th, 'mmap', { fd: memfd, length: 4 * PAGE }));
    ok(call(th, 'mem_write', { map: mem, pattern: 'index32' }));
    ok(call(th, 'munmap', { map: mem }));
    const buf = ok(call(th, 'udmabuf_create', { fd: dev, memfd, offset: 0, size: 4 * PAGE, flags: ['cloexec'] }));
    t.match(ok(call(th, 'fdinfo', { fd: buf })), { size: 4 * PAGE, exp_name: 'udmabuf', flags: '02000002' });
    t.match(call(th, 'memfd_add_seals', { fd: memfd, seals: ['write'] }), { ok: false, errno: 'EBUSY' }, 'pages pinned by the udmabuf');
    t.match(call(th, 'dmabuf_sync', { fd: buf, flags: ['end', 'read'] }), { ok: false, errno: 'EINVAL' }, 'end before any start');
    t.same(call(th, 'dmabuf_sync', { fd: buf, flags: ['start', 'read'] }), { ok: true, value: null });
    const map = ok(call(th, 'mmap', { fd: buf, length: 4 * PAGE, prot: ['read'] }));
    const bytes = ok(call(th, 'mem_read', { map, offset: PAGE, length: 8 }));
    t.same([...bytes], [0, 4, 0, 0, 1, 4, 0, 0], 'the udmabuf maps the memfd\'s pages');
    const second = sealedMemfd(th, 1);
    const list = ok(call(th, 'udmabuf_create_list', {
      fd: dev,
      items: [{ memfd: second, offset: 0, size: PAGE }, { memfd, offset: PAGE, size: PAGE }],
    }));
    t.equal(ok(call(th, 'lseek', { fd: list, offset: 0, whence: 'end' })), 2 * PAGE, 'a list of two ranges');
    const vgem = ok(call(th, 'open', { driver: 'vgem' }));
    t.ok(ok(call(th, 'prime_fd_to_handle', { fd: vgem, dmabuf: buf })) > 0, 'vgem imports a udmabuf');
  });
});

t.test('DMA_HEAP_IOCTL_ALLOC follows dma-heap.c and system_heap.c', (t) => {
  withSession((th) => {
    const heap = ok(call(th, 'open', { path: '/dev/dma_heap/system' }));
    t.match(call(th, 'dma_heap_alloc', { fd: heap, len: 0 }), { ok: false, errno: 'EINVAL' }, 'len 0');
    t.match(call(th, 'dma_heap_alloc', { fd: heap, len: PAGE, heap_flags: 0x111111 }), { ok: false, errno: 'EINVAL' }, 'heap flags');
    t.match(call(th, 'dma_heap_alloc', { fd: heap, len: PAGE, fd_flags: 0xfff7fffd }), { ok: false, errno: 'EINVAL' }, 'fd flags');
    t.ok(ok(call(th, 'dma_heap_alloc', { fd: heap, len: PAGE, layout: 'older' })) > 0, 'an older, shorter struct');
    t.ok(ok(call(th, 'dma_heap_alloc', { fd: heap, len: PAGE, layout: 'newer' })) > 0, 'a newer, longer struct');
    const buf = ok(call(th, 'dma_heap_alloc', { fd: heap, len: PAGE + 1 }));
    t.match(ok(call(th, 'fdinfo', { fd: buf })), { size: 2 * PAGE, exp_name: 'system', flags: '02000002' });
    const map = ok(call(th, 'mmap', { fd: buf, length: 2 * PAGE }));
    t.ok(ok(call(th, 'mem_read', { map })).every((b: number) => b === 0), 'zeroed');
    t.same(call(th, 'mem_write', { map, byte: 0xff }), { ok: true, value: null });
    const readonly = ok(call(th, 'dma_heap_alloc', { fd: heap, len: PAGE, fd_flags: [] }));
    t.match(call(th, 'mmap', { fd: readonly, length: PAGE }), { ok: false, errno: 'EACCES' }, 'O_RDONLY: no writable mapping');
    const vgem = ok(call(th, 'open', { driver: 'vgem' }));
    t.ok(ok(call(th, 'prime_fd_to_handle', { fd: vgem, dmabuf: buf })) > 0, 'vgem imports a heap buffer');
  });
});

t.test('kselftest_run loads dmabuf_selftests for one selftest and unloads it', (t) => {
  withSession((th) => {
    for (const test of ['sanitycheck', 'dma_fence', 'dma_fence_chain', 'dma_fence_unwrap', 'dma_resv']) {
      t.same(call(th, 'kselftest_run', { module: 'dmabuf_selftests', test }), { ok: true, value: null }, test);
    }
    t.match(call(th, 'kselftest_run', { module: 'dmabuf_selftests', test: 'no_such_test' }), { ok: false, errno: 'ENOENT' });
    t.match(call(th, 'module_unload', { name: 'dmabuf_selftests' }), { ok: false, errno: 'ENOENT' }, 'not left loaded');
  });
});

t.test("driver 'any' opens the device IGT's DRIVER_ANY would, which imports a vgem dma-buf", (t) => {
  withSession((th) => {
    const vgem = ok(call(th, 'open', { driver: 'vgem' }));
    const other = ok(call(th, 'open', { driver: 'any' }));
    t.match(call(th, 'vgem_fence_signal', { fd: other, fence: 1 }), { ok: false, errno: 'EINVAL' }, 'not vgem: no vgem ioctls');
    const bo = ok(call(th, 'create_dumb', { fd: vgem, width: 1024, height: 1, bpp: 32 }));
    const dmabuf = ok(call(th, 'prime_handle_to_fd', { fd: vgem, handle: bo.handle }));
    t.ok(ok(call(th, 'prime_fd_to_handle', { fd: other, dmabuf })) > 0, 'the other device imports it');
  });
});

writeFileSync(process.argv[2], JSON.stringify(t.results, null, 1));
