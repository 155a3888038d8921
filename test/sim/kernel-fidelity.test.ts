// The simulator against Debian's 6.1 kernel: the divergences random
// differential testing found (issue 14), each as the kernel source has it.
import t from 'tap';
import type { Thread } from '../../backends/backend.ts';
import { bytes, errno, num, rec, run } from './helpers.ts';

const SIZE = 16384;
/** DRM_FILE_PAGE_OFFSET_START on 64-bit, in bytes. */
const OFFSET_START = 0x100000000;

function* dumb(th: Thread, fd: number, pages = SIZE / 4096) {
  return rec(yield* th.call('create_dumb', { fd, width: 1024, height: pages, bpp: 32 }));
}

t.test('MAP_DUMB offsets: placed at create from DRM_FILE_PAGE_OFFSET_START, best fit, a freed range reused', (t) => {
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const a = yield* dumb(th, fd);
    const b = yield* dumb(th, fd, 1);
    // b was placed when it was created, right after a, though a was never mapped
    t.equal(num(yield* th.call('map_dumb', { fd, handle: b.handle })), OFFSET_START + SIZE, 'second object after the first');
    t.equal(num(yield* th.call('map_dumb', { fd, handle: a.handle })), OFFSET_START, 'first object at the start');
    yield* th.call('gem_close', { fd, handle: a.handle });
    // the freed 4-page range is the smallest hole that fits a 2-page object
    const c = yield* dumb(th, fd, 2);
    t.equal(num(yield* th.call('map_dumb', { fd, handle: c.handle })), OFFSET_START, 'freed range reused');
    // so a stale offset of a maps c (2 pages of it)
    t.equal(errno(yield* th.call('mmap', { fd, length: 8192, offset: OFFSET_START })), 'ok', 'stale offset maps the new object');
    t.equal(errno(yield* th.call('mmap', { fd, length: SIZE, offset: OFFSET_START })), 'EINVAL', 'longer than the new node');
  }, 'linux-6.1');
  t.end();
});

t.test('MAP_DUMB offsets: an import on the same device is the same object, a foreign import gets its own range', (t) => {
  run(function* (th) {
    const vgem = num(yield* th.call('open', { driver: 'vgem' }));
    const vkms = num(yield* th.call('open', { driver: 'vkms' }));
    const foreign = yield* dumb(th, vkms);
    const dmabuf = num(yield* th.call('prime_handle_to_fd', { fd: vkms, handle: foreign.handle }));
    num(yield* th.call('prime_fd_to_handle', { fd: vgem, dmabuf }));
    // __drm_gem_shmem_create gives the private import object an offset too
    const own = yield* dumb(th, vgem);
    t.equal(num(yield* th.call('map_dumb', { fd: vgem, handle: own.handle })), OFFSET_START + SIZE, 'after the import');
  }, 'linux-6.1');
  t.end();
});

t.test('create_dumb whose width x bpp wraps u32: a 0-byte object drm_mm refuses (ENOSPC)', (t) => {
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const before = num(yield* th.call('gem_object_count', { fd }));
    // cpp 1 x width 2^29 passes drm_mode_create_dumb; width * bpp = 2^32 wraps to pitch 0
    t.equal(errno(yield* th.call('create_dumb', { fd, width: 0x20000000, height: 1, bpp: 8 })), 'ENOSPC');
    t.equal(num(yield* th.call('gem_object_count', { fd })), before, 'the object was released');
    t.equal(rec(yield* th.call('create_dumb', { fd, width: 1, height: 1, bpp: 8 })).handle, 1, 'no handle was taken');
  }, 'linux-6.1');
  t.end();
});

t.test('flink names: the lowest free id (idr_alloc)', (t) => {
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const a = yield* dumb(th, fd);
    const b = yield* dumb(th, fd);
    t.equal(num(yield* th.call('gem_flink', { fd, handle: a.handle })), 1);
    t.equal(num(yield* th.call('gem_flink', { fd, handle: b.handle })), 2);
    yield* th.call('gem_close', { fd, handle: a.handle });
    const c = yield* dumb(th, fd);
    t.equal(num(yield* th.call('gem_flink', { fd, handle: c.handle })), 1, 'name 1 reused');
  }, 'linux-6.1');
  t.end();
});

t.test('poll: a drm fd without events and an empty datagram socket are not readable', (t) => {
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    t.same(rec(yield* th.call('poll', { fd, events: ['in', 'out'] })), { ready: false, revents: [] }, 'drm_poll: 0');
    t.equal(errno(yield* th.call('sync_file_wait', { fd, timeout_ms: 5 })), 'ETIME');
    const { fd0, fd1 } = rec(yield* th.call('unix_socketpair', {})) as { fd0: number; fd1: number };
    t.same(rec(yield* th.call('poll', { fd: fd1 })), { ready: false, revents: [] }, 'empty queue');
    t.same(rec(yield* th.call('poll', { fd: fd1, events: ['out'] })), { ready: true, revents: ['out'] }, 'writable');
    t.equal(errno(yield* th.call('sync_file_wait', { fd: fd1, timeout_ms: 5 })), 'ETIME');
    yield* th.call('unix_send_fd', { socket: fd0, fd });
    t.same(rec(yield* th.call('poll', { fd: fd1 })), { ready: true, revents: ['in'] }, 'a datagram is queued');
  }, 'linux-6.1');
  t.end();
});

t.test('poll of a closed fd: ready with nval (poll returns 1)', (t) => {
  run(function* (th) {
    t.same(rec(yield* th.call('poll', { fd: 77 })), { ready: true, revents: ['nval'] });
    t.equal(errno(yield* th.call('sync_file_wait', { fd: 77, timeout_ms: 0 })), 'EINVAL');
  }, 'linux-6.1');
  t.end();
});

t.test('dma-buf, sync_file and sw_sync ioctls on a drm fd: ENOTTY (not of type DRM_IOCTL_BASE)', (t) => {
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const vkms = num(yield* th.call('open', { driver: 'vkms' }));
    t.equal(errno(yield* th.call('dmabuf_sync', { fd, flags: ['start', 'read'] })), 'ENOTTY');
    t.equal(errno(yield* th.call('dmabuf_set_name', { fd, name: 'x' })), 'ENOTTY');
    t.equal(errno(yield* th.call('dmabuf_export_sync_file', { fd, flags: ['read'] })), 'ENOTTY');
    t.equal(errno(yield* th.call('dmabuf_import_sync_file', { fd, sync_file: fd, flags: ['read'] })), 'ENOTTY');
    t.equal(errno(yield* th.call('sync_file_merge', { fd, fd2: fd })), 'ENOTTY');
    t.equal(errno(yield* th.call('sync_file_info', { fd })), 'ENOTTY');
    t.equal(errno(yield* th.call('sw_sync_fence_create', { timeline: fd, value: 1 })), 'ENOTTY');
    t.equal(errno(yield* th.call('sw_sync_timeline_inc', { timeline: fd })), 'ENOTTY');
    t.equal(errno(yield* th.call('vgem_fence_attach', { fd: vkms, handle: 1 })), 'EINVAL', "a DRM ioctl the driver lacks stays EINVAL");
  }, 'linux-6.1');
  t.end();
});

t.test('fdinfo of a drm fd: no drm-* lines before 6.5; O_LARGEFILE and O_CLOEXEC in flags', (t) => {
  for (const build of ['linux-6.1', 'linux-6.4']) {
    run(function* (th) {
      const fd = num(yield* th.call('open', { driver: 'vgem' }));
      t.same(rec(yield* th.call('fdinfo', { fd })), { pos: 0, flags: '02100002' }, build);
    }, build);
  }
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    t.match(rec(yield* th.call('fdinfo', { fd })), { flags: '02100002', 'drm-driver': 'vgem', 'drm-client-id': Number });
  }, 'linux-6.5');
  t.end();
});

t.test('every fd an op creates is close-on-exec: dup, sockets, received fds, sw_sync timelines', (t) => {
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const dup = num(yield* th.call('dup', { fd }));
    t.equal(rec(yield* th.call('fdinfo', { fd: dup })).flags, '02100002', 'F_DUPFD_CLOEXEC');
    const { fd0, fd1 } = rec(yield* th.call('unix_socketpair', {})) as { fd0: number; fd1: number };
    t.equal(rec(yield* th.call('fdinfo', { fd: fd0 })).flags, '02000002', 'SOCK_CLOEXEC');
    const bo = yield* dumb(th, fd);
    const dmabuf = num(yield* th.call('prime_handle_to_fd', { fd, handle: bo.handle, flags: [] }));
    t.equal(rec(yield* th.call('fdinfo', { fd: dmabuf })).flags, '00', 'export without DRM_CLOEXEC (seq_show prints 0%o)');
    yield* th.call('unix_send_fd', { socket: fd0, fd: dmabuf });
    const received = num(yield* th.call('unix_recv_fd', { socket: fd1 }));
    t.equal(rec(yield* th.call('fdinfo', { fd: received })).flags, '02000000', 'MSG_CMSG_CLOEXEC');
    const timeline = num(yield* th.call('sw_sync_timeline_create', {}));
    t.equal(rec(yield* th.call('fdinfo', { fd: timeline })).flags, '02100002', 'open(O_RDWR | O_CLOEXEC)');
  }, 'linux-6.1');
  t.end();
});

t.test('mmap at a negative offset: EINVAL on a drm fd (FMODE_UNSIGNED_OFFSET), EOVERFLOW on a dma-buf', (t) => {
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const bo = yield* dumb(th, fd);
    const dmabuf = num(yield* th.call('prime_handle_to_fd', { fd, handle: bo.handle }));
    t.equal(errno(yield* th.call('mmap', { fd, length: 4096, offset: -4096 })), 'EINVAL');
    t.equal(errno(yield* th.call('mmap', { fd: dmabuf, length: 4096, offset: -4096 })), 'EOVERFLOW');
  }, 'linux-6.1');
  t.end();
});

t.test("mmap's own checks in the kernel's order; protection faults are EFAULT", (t) => {
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const bo = yield* dumb(th, fd, 1);
    const offset = num(yield* th.call('map_dumb', { fd, handle: bo.handle }));
    t.equal(errno(yield* th.call('mmap', { fd: 4242, length: 4096, offset: 1 })), 'EINVAL', 'an unaligned offset before the fd');
    t.equal(errno(yield* th.call('mmap', { fd: 4242, length: 4096 })), 'EBADF');
    t.equal(errno(yield* th.call('mmap', { fd, length: -4096, offset })), 'ENOMEM');
    const short = num(yield* th.call('mmap', { fd, length: 100, offset }));
    t.equal(bytes(yield* th.call('mem_read', { map: short })).length, 4096, 'the mapping covers the whole page');
    const none = num(yield* th.call('mmap', { fd, length: 4096, offset, prot: [] }));
    t.equal(errno(yield* th.call('mem_read', { map: none, length: 1 })), 'EFAULT', 'a load through PROT_NONE');
    const writeOnly = num(yield* th.call('mmap', { fd, length: 4096, offset, prot: ['write'] }));
    t.equal(errno(yield* th.call('mem_read', { map: writeOnly, length: 1 })), 'ok', 'PROT_WRITE implies read on x86');
    const readOnly = num(yield* th.call('mmap', { fd, length: 4096, offset, prot: ['read'] }));
    t.equal(errno(yield* th.call('mem_write', { map: readOnly, byte: 1 })), 'EFAULT');
  }, 'linux-6.1');
  t.end();
});

t.test('send on a datagram socket whose peer closed: ECONNREFUSED once, then ENOTCONN', (t) => {
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const { fd0, fd1 } = rec(yield* th.call('unix_socketpair', {})) as { fd0: number; fd1: number };
    yield* th.call('close', { fd: fd1 });
    t.equal(errno(yield* th.call('unix_send_fd', { socket: fd0, fd })), 'ECONNREFUSED', 'the dead peer is dropped');
    t.equal(errno(yield* th.call('unix_send_fd', { socket: fd0, fd })), 'ENOTCONN', 'no peer any more');
    t.equal(errno(yield* th.call('unix_send_fd', { socket: fd0, fd: 99 })), 'EBADF', 'scm_send checks the fd first');
  }, 'linux-6.1');
  t.end();
});

t.test('sync_file names: "%s-%s%llu-%lld" of the fence, 31 bytes at most; sw_sync ignores its name', (t) => {
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const bo = yield* dumb(th, fd);
    const dmabuf = num(yield* th.call('prime_handle_to_fd', { fd, handle: bo.handle }));
    const stub = num(yield* th.call('dmabuf_export_sync_file', { fd: dmabuf, flags: ['read'] }));
    t.equal(rec(yield* th.call('sync_file_info', { fd: stub })).name, 'stub-stub0-0');
    const timeline = num(yield* th.call('sw_sync_timeline_create', {}));
    const pt = num(yield* th.call('sw_sync_fence_create', { timeline, value: 3, name: 'my-fence' }));
    t.match(rec(yield* th.call('sync_file_info', { fd: pt })).name, /^sw_sync-primeci\d+-3$/, 'driver-timeline(comm)context-seqno');
    const long = 'a-merge-name-that-is-longer-than-31-bytes';
    const merged = num(yield* th.call('sync_file_merge', { fd: pt, fd2: stub, name: long }));
    t.equal(rec(yield* th.call('sync_file_info', { fd: merged })).name, long.slice(0, 31), 'cut, not refused');
  }, 'linux-6.1');
  t.end();
});

t.test('merge drops every signalled fence, errors included', (t) => {
  run(function* (th) {
    const dead = num(yield* th.call('sw_sync_timeline_create', {}));
    const failed = num(yield* th.call('sw_sync_fence_create', { timeline: dead, value: 1 }));
    yield* th.call('close', { fd: dead });
    t.equal(rec(yield* th.call('sync_file_info', { fd: failed })).status, -2, 'signalled with -ENOENT');
    const live = num(yield* th.call('sw_sync_timeline_create', {}));
    const pending = num(yield* th.call('sw_sync_fence_create', { timeline: live, value: 1 }));
    const withPending = num(yield* th.call('sync_file_merge', { fd: failed, fd2: pending }));
    t.match(rec(yield* th.call('sync_file_info', { fd: withPending })), { status: 0, num_fences: 1 }, 'only the pending fence');
    const alone = num(yield* th.call('sync_file_merge', { fd: failed, fd2: failed }));
    t.match(rec(yield* th.call('sync_file_info', { fd: alone })), { status: 1, num_fences: 1, fences: [{ driver_name: 'stub' }] },
      'nothing pending: a signalled stub, without the error');
  }, 'linux-6.1');
  t.end();
});

t.test('a dma-buf named "" shows name: with an empty value', (t) => {
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const bo = yield* dumb(th, fd);
    const dmabuf = num(yield* th.call('prime_handle_to_fd', { fd, handle: bo.handle }));
    t.notOk('name' in rec(yield* th.call('fdinfo', { fd: dmabuf })), 'no name before DMA_BUF_SET_NAME');
    yield* th.call('dmabuf_set_name', { fd: dmabuf, name: '' });
    t.equal(rec(yield* th.call('fdinfo', { fd: dmabuf })).name, '');
  }, 'linux-6.1');
  t.end();
});

t.test('a poll that found a pending fence holds a file reference until the fence signals', (t) => {
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const bo = yield* dumb(th, fd);
    const dmabuf = num(yield* th.call('prime_handle_to_fd', { fd, handle: bo.handle }));
    const count = function* () {
      return rec(yield* th.call('fdinfo', { fd: dmabuf })).count as number;
    };
    const fence = num(yield* th.call('vgem_fence_attach', { fd, handle: bo.handle, flags: ['write'] }));
    const before = yield* count();
    t.same(rec(yield* th.call('poll', { fd: dmabuf })), { ready: false, revents: [] });
    t.equal(yield* count(), before + 1, 'dma_buf_poll: get_file for the callback');
    t.same(rec(yield* th.call('poll', { fd: dmabuf })), { ready: false, revents: [] }, 'the callback is busy');
    t.equal(yield* count(), before + 1, 'one reference per direction');
    yield* th.call('vgem_fence_signal', { fd, fence });
    t.equal(yield* count(), before, 'dma_buf_poll_cb: fput');
    t.same(rec(yield* th.call('poll', { fd: dmabuf })), { ready: true, revents: ['in'] });
  }, 'linux-6.1');
  t.end();
});

t.test('vmap holds dmabuf->lock on 6.1, the reservation lock from 6.2; drm-shmem pages under it', (t) => {
  const vmap = function* (th: Thread) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const bo = yield* dumb(th, fd);
    const dmabuf = num(yield* th.call('prime_handle_to_fd', { fd, handle: bo.handle }));
    const map = num(yield* th.call('kernel_vmap', { dmabuf }));
    yield* th.call('kernel_vunmap', { vmap: map });
  };
  const RESV = 'reservation_ww_class_mutex';
  const b61 = run(vmap, 'linux-6.1');
  t.equal(b61.outcome.kind, 'completed');
  t.ok(b61.session.kernel.lockdep.dependsOn('&dmabuf->lock', '&shmem->pages_lock'), '6.1: dma_buf_vmap -> mutex_lock(&dmabuf->lock)');
  t.notOk(b61.session.kernel.lockdep.dependsOn(RESV, '&shmem->pages_lock'), '6.1: no reservation lock around vmap');
  const b62 = run(vmap, 'linux-6.2');
  t.ok(b62.session.kernel.lockdep.dependsOn(RESV, '&shmem->pages_lock'), '6.2: dma_buf_vmap_unlocked takes the resv lock');
  const main = run(vmap, 'mainline');
  t.equal(main.outcome.kind, 'completed', 'drm_gem_shmem_vmap_locked: no recursive resv lock');
  t.notMatch(main.session.kmsg().map((r) => r.message).join('\n'), /WARNING/);
  t.end();
});

t.test('PRIME cache: two handles of one object exported from one file; import finds the first', (t) => {
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const bo = yield* dumb(th, fd);
    const name = num(yield* th.call('gem_flink', { fd, handle: bo.handle }));
    const second = rec(yield* th.call('gem_open', { fd, name })).handle as number;
    t.equal(second, 2);
    const d1 = num(yield* th.call('prime_handle_to_fd', { fd, handle: bo.handle }));
    const d2 = num(yield* th.call('prime_handle_to_fd', { fd, handle: second }));
    t.equal(rec(yield* th.call('fdinfo', { fd: d1 })).count, 5, 'one dma-buf: two fds, the object, two cache members');
    t.equal(num(yield* th.call('prime_fd_to_handle', { fd, dmabuf: d2 })), bo.handle, 'the first member');
    yield* th.call('gem_close', { fd, handle: bo.handle });
    t.equal(num(yield* th.call('prime_fd_to_handle', { fd, dmabuf: d2 })), second, 'the other member once the first is closed');
  }, 'linux-6.1');
  t.end();
});
