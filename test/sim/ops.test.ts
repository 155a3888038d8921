// Every op of the foundation slice on the simulator, with each errno path the
// kernel has for it (and the facts the real linux-6.1 showed, notes/vm.md).
import t from 'tap';
import { bytes, dmesg, errno, num, rec, run } from './helpers.ts';

const SIZE = 16384;

t.test('open: by driver name and by node path', (t) => {
  run(function* (th) {
    t.equal(num(yield* th.call('open', { driver: 'vgem' })), 3, 'lowest free fd after stdio');
    t.equal(num(yield* th.call('open', { driver: 'vkms' })), 4);
    t.equal(num(yield* th.call('open', { path: '/dev/dri/card0' })), 5);
    t.equal(num(yield* th.call('open', { path: '/dev/dri/renderD128' })), 6);
    t.equal(errno(yield* th.call('open', { driver: 'nouveau' })), 'ENOENT');
    t.equal(errno(yield* th.call('open', { path: '/dev/dri/card9' })), 'ENOENT');
    t.equal(errno(yield* th.call('open', {})), 'EINVAL');
  });
  t.end();
});

t.test('close and dup', (t) => {
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const dup = num(yield* th.call('dup', { fd }));
    t.equal(dup, fd + 1);
    t.equal(errno(yield* th.call('close', { fd })), 'ok');
    t.equal(errno(yield* th.call('close', { fd })), 'EBADF', 'double close');
    t.equal(errno(yield* th.call('dup', { fd })), 'EBADF');
    t.equal(errno(yield* th.call('create_dumb', { fd: dup, width: 1, height: 1, bpp: 8 })), 'ok', 'the dup still works');
    t.equal(num(yield* th.call('open', { driver: 'vgem' })), fd, 'closed number is reused');
  });
  t.end();
});

t.test('create_dumb: sizes and pitch as vgem computes them', (t) => {
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    t.same(rec(yield* th.call('create_dumb', { fd, width: 4096, height: 1, bpp: 32 })), { handle: 1, pitch: 16384, size: 16384 });
    t.equal(rec(yield* th.call('create_dumb', { fd, width: 1, height: 1, bpp: 1 })).size, 4096);
    t.equal(rec(yield* th.call('create_dumb', { fd, width: 1024, height: 1024, bpp: 8 })).size, 1 << 20);
    t.equal(rec(yield* th.call('create_dumb', { fd, width: 32768, height: 32768, bpp: 16 })).size, 2 ** 31);
    t.equal(errno(yield* th.call('create_dumb', { fd, width: 0, height: 0, bpp: 0 })), 'EINVAL');
    t.equal(errno(yield* th.call('create_dumb', { fd, width: 1, height: 1, bpp: 0 })), 'EINVAL');
    t.equal(errno(yield* th.call('create_dumb', { fd, width: 65536, height: 65536, bpp: 32 })), 'EINVAL', 'overflows u32');
    t.equal(errno(yield* th.call('create_dumb', { fd, width: -1, height: 1, bpp: 32 })), 'EINVAL', 'u32 width wraps');
    t.equal(errno(yield* th.call('create_dumb', { fd: 99, width: 1, height: 1, bpp: 8 })), 'EBADF');
    t.equal(errno(yield* th.call('create_dumb', { fd: 0, width: 1, height: 1, bpp: 8 })), 'ENOTTY', 'not a drm fd');
    const render = num(yield* th.call('open', { path: '/dev/dri/renderD128' }));
    t.equal(errno(yield* th.call('create_dumb', { fd: render, width: 1, height: 1, bpp: 8 })), 'EACCES', 'render node');
  });
  t.end();
});

t.test('gem_close: double close is EINVAL; a mapping outlives the handle', (t) => {
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const bo = rec(yield* th.call('create_dumb', { fd, width: 4096, height: 1, bpp: 32 }));
    const offset = num(yield* th.call('map_dumb', { fd, handle: bo.handle }));
    const map = num(yield* th.call('mmap', { fd, length: SIZE, offset }));
    yield* th.call('mem_write', { map, byte: 0x5a });
    t.equal(errno(yield* th.call('gem_close', { fd, handle: bo.handle })), 'ok');
    t.equal(errno(yield* th.call('gem_close', { fd, handle: bo.handle })), 'EINVAL');
    t.equal(errno(yield* th.call('gem_close', { fd, handle: 0 })), 'EINVAL');
    t.ok(bytes(yield* th.call('mem_read', { map })).every((b) => b === 0x5a), 'data still there');
    yield* th.call('mem_write', { map, offset: SIZE - 4, length: 4, byte: 1 });
    t.equal(errno(yield* th.call('map_dumb', { fd, handle: bo.handle })), 'ENOENT');
  });
  t.end();
});

t.test('map_dumb and mmap of a drm fd', (t) => {
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const other = num(yield* th.call('open', { driver: 'vgem' }));
    const bo = rec(yield* th.call('create_dumb', { fd, width: 4096, height: 1, bpp: 32 }));
    const offset = num(yield* th.call('map_dumb', { fd, handle: bo.handle }));
    t.equal(offset, 0x100000000, 'fake offsets start at DRM_FILE_PAGE_OFFSET_START (4 GiB)');
    t.equal(num(yield* th.call('map_dumb', { fd, handle: bo.handle })), offset, 'stable offset');
    t.equal(errno(yield* th.call('map_dumb', { fd, handle: 77 })), 'ENOENT');
    t.equal(errno(yield* th.call('mmap', { fd, length: SIZE, offset: offset + SIZE })), 'EINVAL', 'no object there');
    t.equal(errno(yield* th.call('mmap', { fd, length: 2 * SIZE, offset })), 'EINVAL', 'longer than the object');
    t.equal(errno(yield* th.call('mmap', { fd: other, length: SIZE, offset })), 'EACCES', 'file without a handle');
    t.equal(errno(yield* th.call('mmap', { fd, length: 0, offset })), 'EINVAL');
    t.equal(errno(yield* th.call('mmap', { fd, length: SIZE, offset: offset + 1 })), 'EINVAL', 'unaligned offset');
    t.equal(errno(yield* th.call('mmap', { fd: 42, length: SIZE, offset })), 'EBADF');
    t.equal(errno(yield* th.call('mmap', { fd: 0, length: SIZE })), 'ENODEV', 'tty has no mmap');
  });
  t.end();
});

t.test('flink and gem_open', (t) => {
  run(function* (th) {
    const fd1 = num(yield* th.call('open', { driver: 'vgem' }));
    const fd2 = num(yield* th.call('open', { driver: 'vgem' }));
    const bo = rec(yield* th.call('create_dumb', { fd: fd1, width: 4096, height: 1, bpp: 32 }));
    const name = num(yield* th.call('gem_flink', { fd: fd1, handle: bo.handle }));
    t.ok(name > 0);
    t.equal(num(yield* th.call('gem_flink', { fd: fd1, handle: bo.handle })), name, 'same name again');
    t.equal(errno(yield* th.call('gem_flink', { fd: fd1, handle: 9 })), 'ENOENT');
    const opened = rec(yield* th.call('gem_open', { fd: fd2, name }));
    t.same(opened, { handle: 1, size: SIZE });
    t.equal(rec(yield* th.call('gem_open', { fd: fd2, name })).handle, 2, 'GEM_OPEN never deduplicates');
    t.equal(errno(yield* th.call('gem_open', { fd: fd2, name: name + 100 })), 'ENOENT');
    // export from fd2 and re-import there: the handle the export came from
    const dmabuf = num(yield* th.call('prime_handle_to_fd', { fd: fd2, handle: 1 }));
    t.equal(num(yield* th.call('prime_fd_to_handle', { fd: fd2, dmabuf })), 1);
    // the name dies with the last handle
    yield* th.call('gem_close', { fd: fd1, handle: bo.handle });
    yield* th.call('gem_close', { fd: fd2, handle: 1 });
    yield* th.call('gem_close', { fd: fd2, handle: 2 });
    t.equal(errno(yield* th.call('gem_open', { fd: fd2, name })), 'ENOENT');
  });
  t.end();
});

t.test('PRIME export: flags, unknown handles, one dma-buf per object', (t) => {
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const other = num(yield* th.call('open', { driver: 'vgem' }));
    const bo = rec(yield* th.call('create_dumb', { fd, width: 4096, height: 1, bpp: 32 }));
    const cloexec = 0o2000000;
    for (const flags of [cloexec + 1, 2 + 1, -1, 1 << 30]) {
      t.equal(errno(yield* th.call('prime_handle_to_fd', { fd, handle: bo.handle, flags })), 'EINVAL', `flags ${flags}`);
    }
    t.equal(errno(yield* th.call('prime_handle_to_fd', { fd, handle: 5 })), 'ENOENT');
    const a = num(yield* th.call('prime_handle_to_fd', { fd, handle: bo.handle, flags: ['cloexec', 'rdwr'] }));
    const b = num(yield* th.call('prime_handle_to_fd', { fd, handle: bo.handle, flags: 0 }));
    t.not(a, b, 'two fds');
    const ha = num(yield* th.call('prime_fd_to_handle', { fd: other, dmabuf: a }));
    t.equal(num(yield* th.call('prime_fd_to_handle', { fd: other, dmabuf: b })), ha, 'both fds are the same dma-buf');
    yield* th.call('gem_close', { fd, handle: bo.handle });
    t.equal(errno(yield* th.call('prime_handle_to_fd', { fd, handle: bo.handle })), 'ENOENT', 'closed handle');
  });
  t.end();
});

t.test('PRIME import: self-import, second file, cross-device, bad fds', (t) => {
  run(function* (th) {
    const fd1 = num(yield* th.call('open', { driver: 'vgem' }));
    const fd2 = num(yield* th.call('open', { driver: 'vgem' }));
    const kms = num(yield* th.call('open', { driver: 'vkms' }));
    const bo = rec(yield* th.call('create_dumb', { fd: fd1, width: 4096, height: 1, bpp: 32 }));
    const dmabuf = num(yield* th.call('prime_handle_to_fd', { fd: fd1, handle: bo.handle }));
    t.equal(num(yield* th.call('prime_fd_to_handle', { fd: fd1, dmabuf })), bo.handle, 'self-import: the exporter handle');
    const h2 = num(yield* th.call('prime_fd_to_handle', { fd: fd2, dmabuf }));
    t.equal(num(yield* th.call('prime_fd_to_handle', { fd: fd2, dmabuf })), h2, 're-import: same handle');
    const again = num(yield* th.call('prime_handle_to_fd', { fd: fd2, handle: h2 }));
    t.equal(num(yield* th.call('prime_fd_to_handle', { fd: fd1, dmabuf: again })), bo.handle, 're-export is the same dma-buf');
    t.equal(errno(yield* th.call('map_dumb', { fd: fd2, handle: h2 })), 'ok', 'same device: the same object');
    const hk = num(yield* th.call('prime_fd_to_handle', { fd: kms, dmabuf }));
    t.equal(errno(yield* th.call('map_dumb', { fd: kms, handle: hk })), 'EINVAL', 'importer mmap refused');
    t.equal(errno(yield* th.call('prime_fd_to_handle', { fd: fd1, dmabuf: 50 })), 'EBADF');
    t.equal(errno(yield* th.call('prime_fd_to_handle', { fd: fd1, dmabuf: fd2 })), 'EINVAL', 'not a dma-buf');
  });
  t.end();
});

t.test('dma-buf llseek: only SEEK_SET/SEEK_END to 0; drm fds never move; ttys cannot seek', (t) => {
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    for (let i = 0; i < 10; i++) {
      const bo = rec(yield* th.call('create_dumb', { fd, width: 4096 << i, height: 1, bpp: 8 }));
      const dmabuf = num(yield* th.call('prime_handle_to_fd', { fd, handle: bo.handle }));
      t.equal(num(yield* th.call('lseek', { fd: dmabuf, offset: 0, whence: 'end' })), 4096 << i);
      yield* th.call('close', { fd: dmabuf });
    }
    const bo = rec(yield* th.call('create_dumb', { fd, width: 4096, height: 1, bpp: 32 }));
    const dmabuf = num(yield* th.call('prime_handle_to_fd', { fd, handle: bo.handle }));
    t.equal(num(yield* th.call('lseek', { fd: dmabuf, offset: 0, whence: 'set' })), 0);
    const bad: [number, 'set' | 'cur' | 'end'][] = [[-1, 'end'], [1, 'set'], [SIZE, 'set'], [SIZE + 1, 'set'], [SIZE - 1, 'set'], [0, 'cur']];
    for (const [offset, whence] of bad) {
      t.equal(errno(yield* th.call('lseek', { fd: dmabuf, offset, whence })), 'EINVAL', `(${offset}, ${whence})`);
    }
    t.equal(num(yield* th.call('lseek', { fd, offset: 100, whence: 'set' })), 0, 'noop_llseek');
    t.equal(errno(yield* th.call('lseek', { fd: 1, offset: 0, whence: 'set' })), 'ESPIPE');
    t.equal(errno(yield* th.call('lseek', { fd: 70, offset: 0, whence: 'set' })), 'EBADF');
  });
  t.end();
});

t.test('dma-buf mmap: bounds, access mode, and memory shared with every mapping', (t) => {
  run(function* (th) {
    const fd1 = num(yield* th.call('open', { driver: 'vgem' }));
    const fd2 = num(yield* th.call('open', { driver: 'vgem' }));
    const bo = rec(yield* th.call('create_dumb', { fd: fd1, width: 4096, height: 1, bpp: 32 }));
    const ro = num(yield* th.call('prime_handle_to_fd', { fd: fd1, handle: bo.handle, flags: ['cloexec'] }));
    t.equal(errno(yield* th.call('mmap', { fd: ro, length: SIZE })), 'EACCES', 'write mapping of a read-only dma-buf');
    const rmap = num(yield* th.call('mmap', { fd: ro, length: SIZE, prot: ['read'] }));
    t.equal(errno(yield* th.call('mem_write', { map: rmap, byte: 1 })), 'EFAULT', 'store into a read-only mapping');

    const bo2 = rec(yield* th.call('create_dumb', { fd: fd1, width: 4096, height: 1, bpp: 32 }));
    const dmabuf = num(yield* th.call('prime_handle_to_fd', { fd: fd1, handle: bo2.handle, flags: ['cloexec', 'rdwr'] }));
    t.equal(errno(yield* th.call('mmap', { fd: dmabuf, length: 2 * SIZE })), 'EINVAL', 'twice the size');
    t.equal(errno(yield* th.call('mmap', { fd: dmabuf, length: SIZE, offset: SIZE / 2 })), 'EINVAL', 'overlaps the end');
    const map = num(yield* th.call('mmap', { fd: dmabuf, length: SIZE }));
    yield* th.call('mem_write', { map, pattern: 'index32' });
    const h2 = num(yield* th.call('prime_fd_to_handle', { fd: fd2, dmabuf }));
    const offset = num(yield* th.call('map_dumb', { fd: fd2, handle: h2 }));
    const other = num(yield* th.call('mmap', { fd: fd2, length: SIZE, offset }));
    const seen = bytes(yield* th.call('mem_read', { map: other, offset: 4 * 1000, length: 8 }));
    t.same([...seen], [232, 3, 0, 0, 233, 3, 0, 0], 'dwords 1000 and 1001 through the other mapping');
    yield* th.call('mem_write', { map: other, offset: 1, length: 1, byte: 0xee });
    t.equal(bytes(yield* th.call('mem_read', { map, offset: 1, length: 1 }))[0], 0xee, 'and back');
    t.equal(errno(yield* th.call('mem_read', { map, offset: SIZE - 1, length: 2 })), 'EFAULT', 'past the end');
    t.equal(errno(yield* th.call('mem_read', { map, offset: -1, length: 1 })), 'EFAULT');
    t.equal(errno(yield* th.call('mem_read', { map: 12345 })), 'EFAULT', 'not a mapping');
    t.equal(errno(yield* th.call('mem_write', { map })), 'EINVAL', 'no content given');
    t.equal(errno(yield* th.call('munmap', { map })), 'ok');
    t.equal(errno(yield* th.call('munmap', { map })), 'EINVAL');
    t.equal(errno(yield* th.call('mem_read', { map })), 'EFAULT', 'after munmap');
  });
  t.end();
});

t.test('prime_self_import basic-with_one_bo lifetime: data survives closing the dma-buf and the handle', (t) => {
  const { session, outcome } = run(function* (th) {
    const fd1 = num(yield* th.call('open', { driver: 'vgem' }));
    const fd2 = num(yield* th.call('open', { driver: 'vgem' }));
    const bo = rec(yield* th.call('create_dumb', { fd: fd1, width: 4096, height: 1, bpp: 32 }));
    const dmabuf = num(yield* th.call('prime_handle_to_fd', { fd: fd1, handle: bo.handle }));
    const h2 = num(yield* th.call('prime_fd_to_handle', { fd: fd2, dmabuf }));
    const m1 = num(yield* th.call('mmap', { fd: fd1, length: SIZE, offset: num(yield* th.call('map_dumb', { fd: fd1, handle: bo.handle })) }));
    yield* th.call('mem_write', { map: m1, byte: 7 });
    yield* th.call('munmap', { map: m1 });
    yield* th.call('close', { fd: dmabuf });
    yield* th.call('gem_close', { fd: fd1, handle: bo.handle });
    const m2 = num(yield* th.call('mmap', { fd: fd2, length: SIZE, offset: num(yield* th.call('map_dumb', { fd: fd2, handle: h2 })) }));
    t.ok(bytes(yield* th.call('mem_read', { map: m2 })).every((b) => b === 7));
    // re-export from fd2 and import into both files
    const again = num(yield* th.call('prime_handle_to_fd', { fd: fd2, handle: h2 }));
    t.equal(errno(yield* th.call('gem_close', { fd: fd2, handle: h2 })), 'ok');
    const back1 = num(yield* th.call('prime_fd_to_handle', { fd: fd1, dmabuf: again }));
    t.equal(back1, 1, 'lowest free handle');
    yield* th.call('close', { fd: fd1 });
    t.ok(bytes(yield* th.call('mem_read', { map: m2, length: 16 })).every((b) => b === 7), 'fd2 mapping still valid');
  });
  t.same(outcome, { kind: 'completed' });
  t.equal(session.kernel.devices[0].object_count, 0, 'every object freed once the process exited');
  t.equal(session.kernel.devices[0].refs, 0, 'no file, dma-buf or mapping left pinning vgem');
  t.notMatch(dmesg(session), /WARNING/);
  t.end();
});

t.test('fork shares open files; threads share everything; exit closes them', (t) => {
  const { session, outcome } = run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const bo = rec(yield* th.call('create_dumb', { fd, width: 4096, height: 1, bpp: 32 }));
    const dmabuf = num(yield* th.call('prime_handle_to_fd', { fd, handle: bo.handle, flags: ['rdwr'] }));
    const map = num(yield* th.call('mmap', { fd: dmabuf, length: SIZE }));
    let childSaw = -1;
    yield* th.spawn([function* (child) {
      // the child maps through the inherited fd and sees the parent's drm handles
      const m = num(yield* child.call('mmap', { fd: dmabuf, length: SIZE }));
      yield* child.call('mem_write', { map: m, byte: 9 });
      childSaw = num(yield* child.call('prime_fd_to_handle', { fd, dmabuf }));
      t.equal(errno(yield* child.call('mem_read', { map, length: 1 })), 'ok', 'inherited mapping');
      yield* child.call('close', { fd: dmabuf });
    }], 'fork');
    t.equal(childSaw, bo.handle, 'same drm file in the child');
    t.equal(bytes(yield* th.call('mem_read', { map, length: 1 }))[0], 9, 'child wrote the shared pages');
    t.equal(errno(yield* th.call('lseek', { fd: dmabuf, offset: 0, whence: 'end' })), 'ok', 'parent fd unaffected by child close');
    let fromThread = -1;
    yield* th.spawn([function* (thread) {
      fromThread = num(yield* thread.call('dup', { fd: dmabuf }));
    }], 'thread');
    t.equal(errno(yield* th.call('close', { fd: fromThread })), 'ok', 'a thread shares the fd table');
  });
  t.same(outcome, { kind: 'completed' });
  t.equal(session.kernel.devices[0].object_count, 0);
  t.end();
});

t.test('a thread body that throws ends the run by rethrowing', (t) => {
  t.throws(() => run(function* (th) {
    yield* th.call('open', { driver: 'vgem' });
    throw new Error('scenario bug');
  }), /scenario bug/);
  t.end();
});

t.test('sleep and now use virtual time', (t) => {
  run(function* (th) {
    const before = th.now();
    yield* th.sleep(10_000);
    t.ok(th.now() - before >= 10_000, 'ten virtual seconds passed');
  });
  t.end();
});
