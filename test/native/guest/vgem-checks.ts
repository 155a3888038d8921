// The guest half of test/native/vm.test.ts: the native backend against the
// real kernel's vgem (and cirrus as a second driver), checking the facts of
// /work/shared/notes/vm.md. Run inside the VM as
//   node --import tsx test/native/guest/vgem-checks.ts OUT.json
// it writes one {name, pass, detail} per check; the host test asserts them.
// (Not a tap file: loading tap takes ~40 s under TCG.)
import { writeFileSync } from 'node:fs';
import { Checks } from './checks.ts';
import type { OpResult, ThreadBody } from '../../../backends/backend.ts';
import { loadAddon } from '../../../backends/native/addon.ts';
import { nativeBackend } from '../../../backends/native/index.ts';
import { call, ok, withSession } from './session.ts';

const addon = loadAddon();
const drivers = addon.ok ? addon.addon.drivers() : [];
const t = new Checks();

t.ok(addon.ok, `the addon loads${addon.ok ? '' : `: ${addon.reason}`}`);
t.ok(drivers.includes('vgem'), `vgem is present (drivers: ${drivers.join(', ')})`);
t.test('requirements name the drivers present', (t) => {
  withSession((_th, session) => {
    t.equal(session.unmet({ driver: 'vgem' }), undefined);
    t.match(session.unmet({ driver: 'i915' }), /no i915 device \(DRM drivers here: .*vgem/);
  });
});

t.test('dumb buffers, flink, gem_close', (t) => {
  withSession((th) => {
    const fd = ok(call(th, 'open', { driver: 'vgem' }));
    const bo = ok(call(th, 'create_dumb', { fd, width: 4096, height: 1, bpp: 32 }));
    t.match(bo, { pitch: 16384, size: 16384 });
    const name = ok(call(th, 'gem_flink', { fd, handle: bo.handle }));
    t.ok(name > 0);
    const fd2 = ok(call(th, 'open', { driver: 'vgem' }));
    t.match(ok(call(th, 'gem_open', { fd: fd2, name })), { size: 16384 });
    const offset = ok(call(th, 'map_dumb', { fd, handle: bo.handle }));
    const map = ok(call(th, 'mmap', { fd, length: 16384, offset }));
    t.same(call(th, 'gem_close', { fd, handle: bo.handle }), { ok: true, value: null });
    t.match(call(th, 'gem_close', { fd, handle: bo.handle }), { ok: false, errno: 'EINVAL' }, 'double GEM_CLOSE');
    t.same(call(th, 'mem_write', { map, byte: 0x11 }), { ok: true, value: null }, 'a mapping survives GEM_CLOSE');
    t.match(call(th, 'map_dumb', { fd, handle: 999 }), { ok: false, errno: 'ENOENT' });
  });
});

t.test('PRIME self-import, second file, lseek, dma-buf mmap', (t) => {
  withSession((th) => {
    const fd = ok(call(th, 'open', { driver: 'vgem' }));
    const bo = ok(call(th, 'create_dumb', { fd, width: 1024, height: 1, bpp: 32 }));
    const dmabuf = ok(call(th, 'prime_handle_to_fd', { fd, handle: bo.handle, flags: ['cloexec', 'rdwr'] }));
    t.equal(ok(call(th, 'prime_fd_to_handle', { fd, dmabuf })), bo.handle, 'self-import gives the exporter\'s handle');
    const fd2 = ok(call(th, 'open', { driver: 'vgem' }));
    const imported = ok(call(th, 'prime_fd_to_handle', { fd: fd2, dmabuf }));
    t.equal(ok(call(th, 'prime_fd_to_handle', { fd: fd2, dmabuf })), imported, 're-import gives the same handle');
    t.equal(ok(call(th, 'lseek', { fd: dmabuf, offset: 0, whence: 'end' })), 4096);
    t.equal(ok(call(th, 'lseek', { fd: dmabuf, offset: 0, whence: 'set' })), 0);
    t.match(call(th, 'lseek', { fd: dmabuf, offset: 0, whence: 'cur' }), { ok: false, errno: 'EINVAL' });
    const viaDmabuf = ok(call(th, 'mmap', { fd: dmabuf, length: 4096 }));
    t.same(call(th, 'mem_write', { map: viaDmabuf, pattern: 'index8' }), { ok: true, value: null });
    const viaImport = ok(call(th, 'mmap', { fd: fd2, length: 4096, offset: ok(call(th, 'map_dumb', { fd: fd2, handle: imported })) }));
    const bytes: Uint8Array = ok(call(th, 'mem_read', { map: viaImport, offset: 250, length: 8 }));
    t.same([...bytes], [250, 251, 252, 253, 254, 255, 0, 1], 'bytes written through the dma-buf are seen through the importer');
    t.match(call(th, 'mem_read', { map: viaImport, offset: 4090, length: 8 }), { ok: false, errno: 'EFAULT' });
    t.match(call(th, 'prime_handle_to_fd', { fd, handle: bo.handle, flags: 0x7fff }), { ok: false, errno: 'EINVAL' }, 'bad flags');
    // drm_gem_prime_handle_to_fd installs the object's existing dma-buf file again: its f_mode stays.
    const again = ok(call(th, 'prime_handle_to_fd', { fd, handle: bo.handle, flags: ['cloexec'] }));
    t.ok(ok(call(th, 'mmap', { fd: again, length: 4096 })) > 0, 're-export without rdwr is still the writable file');
    const fresh = ok(call(th, 'create_dumb', { fd, width: 1024, height: 1, bpp: 32 }));
    const readOnly = ok(call(th, 'prime_handle_to_fd', { fd, handle: fresh.handle, flags: ['cloexec'] }));
    t.match(call(th, 'mmap', { fd: readOnly, length: 4096 }), { ok: false, errno: 'EACCES' }, 'first export without rdwr: no writable mapping');
    t.ok(ok(call(th, 'mmap', { fd: readOnly, length: 4096, prot: ['read'] })) > 0, 'but a read-only one');
    t.match(call(th, 'prime_fd_to_handle', { fd, dmabuf: fd2 }), { ok: false, errno: 'EINVAL' }, 'a drm fd is not a dma-buf');
  });
});

t.test('cross-driver import into cirrus refuses importer mmap', (t) => {
  withSession((th) => {
    const fd = ok(call(th, 'open', { driver: 'vgem' }));
    const bo = ok(call(th, 'create_dumb', { fd, width: 1024, height: 1, bpp: 32 }));
    const dmabuf = ok(call(th, 'prime_handle_to_fd', { fd, handle: bo.handle }));
    const cirrus = ok(call(th, 'open', { driver: 'cirrus' }));
    const handle = ok(call(th, 'prime_fd_to_handle', { fd: cirrus, dmabuf }));
    t.match(call(th, 'map_dumb', { fd: cirrus, handle }), { ok: false, errno: 'EINVAL' });
  });
});

t.test('threads race export/import/close on real files', (t) => {
  withSession(function* (th) {
    const fd = ok(call(th, 'open', { driver: 'vgem' }));
    const bo = ok(call(th, 'create_dumb', { fd, width: 1024, height: 1, bpp: 32 }));
    const fd2 = ok(call(th, 'open', { driver: 'vgem' }));
    const errors: string[] = [];
    const racer: ThreadBody = function* (me) {
      for (let i = 0; i < 100; i++) {
        const dmabuf = yield* me.call('prime_handle_to_fd', { fd, handle: bo.handle });
        if (!dmabuf.ok) { errors.push(dmabuf.errno); continue; }
        const handle = yield* me.call('prime_fd_to_handle', { fd: fd2, dmabuf: dmabuf.value });
        if (!handle.ok) errors.push(handle.errno);
        yield* me.call('close', { fd: dmabuf.value });
      }
    };
    yield* th.spawn([racer, racer, racer], 'thread');
    t.same(errors, [], 'every export and import succeeded');
  });
});

t.test('a forked child imports the parent\'s dma-buf', (t) => {
  withSession(function* (th) {
    const fd = ok(call(th, 'open', { driver: 'vgem' }));
    const bo = ok(call(th, 'create_dumb', { fd, width: 1024, height: 1, bpp: 32 }));
    const dmabuf = ok(call(th, 'prime_handle_to_fd', { fd, handle: bo.handle, flags: ['cloexec', 'rdwr'] }));
    const map = ok(call(th, 'mmap', { fd: dmabuf, length: 4096 }));
    const child: ThreadBody = function* (me) {
      const own = yield* me.call('open', { driver: 'vgem' });
      t.ok(own.ok, 'the child opens vgem');
      if (!own.ok) return;
      const handle = yield* me.call('prime_fd_to_handle', { fd: own.value, dmabuf });
      t.ok(handle.ok, 'and imports the inherited dma-buf fd');
      yield* me.call('mem_write', { map, byte: 0xc3 });
    };
    yield* th.spawn([child], 'fork');
    t.equal(ok(call(th, 'mem_read', { map, offset: 100, length: 1 }))[0], 0xc3, 'the child\'s stores reach the parent');
  });
});

t.test('the session\'s kernel log starts at its marker and outlives dispose', (t) => {
  const session = nativeBackend.session({ build: 'native', seed: 0 });
  session.dispose();
  // The runner reads a job's kernel log after disposing of its session.
  t.match(session.kmsg()[0]?.message, /^\[primeci\] native session \d+ starting/);
});

t.test('implicit fences: vgem fence, poll, sync_file export/import/wait/info/merge', (t) => {
  withSession((th, session) => {
    const fd = ok(call(th, 'open', { driver: 'vgem' }));
    const bo = ok(call(th, 'create_dumb', { fd, width: 1024, height: 1, bpp: 32 }));
    const dmabuf = ok(call(th, 'prime_handle_to_fd', { fd, handle: bo.handle, flags: ['cloexec', 'rdwr'] }));
    t.same(ok(call(th, 'poll', { fd: dmabuf, events: ['in', 'out'] })), { ready: true, revents: ['in', 'out'] }, 'idle: readable and writable');
    t.match(call(th, 'vgem_fence_attach', { fd, handle: bo.handle, pad: 1 }), { ok: false, errno: 'EINVAL' }, 'bad pad');
    t.match(call(th, 'vgem_fence_attach', { fd, handle: bo.handle, flags: 0x10 }), { ok: false, errno: 'EINVAL' }, 'bad flags');
    const fence = ok(call(th, 'vgem_fence_attach', { fd, handle: bo.handle, flags: ['write'] }));
    t.same(ok(call(th, 'poll', { fd: dmabuf, events: ['in', 'out'] })), { ready: false, revents: [] }, 'a write fence blocks readers and writers');
    const sync = ok(call(th, 'dmabuf_export_sync_file', { fd: dmabuf, flags: ['read'] }));
    t.match(call(th, 'sync_file_wait', { fd: sync, timeout_ms: 0 }), { ok: false, errno: 'ETIME' }, 'the exported sync_file is unsignalled');
    t.match(ok(call(th, 'sync_file_info', { fd: sync })), { status: 0, num_fences: 1, fences: [{ driver_name: 'vgem', status: 0 }] });
    const merged = ok(call(th, 'sync_file_merge', { fd: sync, fd2: sync, name: 'both' }));
    t.match(ok(call(th, 'sync_file_info', { fd: merged })), { name: 'both', num_fences: 1 }, 'merging a fence with itself keeps one');
    t.match(call(th, 'sync_file_merge', { fd: sync, fd2: dmabuf }), { ok: false, errno: 'ENOENT' }, 'fd2 not a sync_file');
    t.same(call(th, 'vgem_fence_signal', { fd, fence }), { ok: true, value: null });
    t.match(call(th, 'vgem_fence_signal', { fd, fence }), { ok: false, errno: 'ENOENT' }, 'signalled twice');
    t.same(call(th, 'sync_file_wait', { fd: sync, timeout_ms: 0 }), { ok: true, value: null }, 'signalled');
    t.match(ok(call(th, 'sync_file_info', { fd: sync })), { status: 1, fences: [{ status: 1 }] });
    t.same(ok(call(th, 'poll', { fd: dmabuf, events: ['in', 'out'] })), { ready: true, revents: ['in', 'out'] }, 'idle again');
    const readFence = ok(call(th, 'vgem_fence_attach', { fd, handle: bo.handle }));
    t.same(ok(call(th, 'poll', { fd: dmabuf, events: ['in', 'out'] })), { ready: true, revents: ['in'] }, 'a read fence blocks only writers');
    const readSync = ok(call(th, 'dmabuf_export_sync_file', { fd: dmabuf, flags: ['write'] }));
    call(th, 'vgem_fence_signal', { fd, fence: readFence });
    t.same(call(th, 'dmabuf_import_sync_file', { fd: dmabuf, sync_file: readSync, flags: ['write'] }), { ok: true, value: null });
    t.match(call(th, 'dmabuf_import_sync_file', { fd: dmabuf, sync_file: readSync, flags: 0 }), { ok: false, errno: 'EINVAL' });
    t.match(call(th, 'sync_file_wait', { fd: 999, timeout_ms: 0 }), { ok: false, errno: 'EINVAL' }, 'wait on a closed fd');
    t.equal(session.unmet({ feature: 'sw_sync' }), undefined, 'the default VM carries sw_sync (an extra module Debian 6.1 lacks)');
  });
});

t.test('dma-buf sync, set_name, fdinfo', (t) => {
  withSession((th) => {
    const fd = ok(call(th, 'open', { driver: 'vgem' }));
    const bo = ok(call(th, 'create_dumb', { fd, width: 1024, height: 1, bpp: 32 }));
    const dmabuf = ok(call(th, 'prime_handle_to_fd', { fd, handle: bo.handle, flags: ['cloexec', 'rdwr'] }));
    t.same(call(th, 'dmabuf_sync', { fd: dmabuf, flags: ['start', 'write'] }), { ok: true, value: null });
    t.same(call(th, 'dmabuf_sync', { fd: dmabuf, flags: ['end', 'write'] }), { ok: true, value: null });
    t.match(call(th, 'dmabuf_sync', { fd: dmabuf, flags: 0x88 }), { ok: false, errno: 'EINVAL' }, 'invalid sync flags');
    t.same(call(th, 'dmabuf_set_name', { fd: dmabuf, name: 'primeci-buffer' }), { ok: true, value: null });
    t.match(ok(call(th, 'fdinfo', { fd: dmabuf })), { size: 4096, exp_name: 'drm', name: 'primeci-buffer', pos: 0 });
  });
});

t.test('render node, DRM master, dma-buf over a unix socket', (t) => {
  withSession((th) => {
    const card = ok(call(th, 'open', { driver: 'vgem' }));
    const render = ok(call(th, 'open_render', { driver: 'vgem' }));
    const offered = ok(call(th, 'set_version', { fd: card, di_major: -1, di_minor: -1, dd_major: -1, dd_minor: -1 }));
    t.match(offered, { di_major: 1, di_minor: 4, dd_major: 1 }, 'the versions offered');
    t.match(call(th, 'set_version', { fd: card, di_major: 2, di_minor: 0, dd_major: -1, dd_minor: -1 }), { ok: false, errno: 'EINVAL' }, 'interface 2.0');
    t.match(call(th, 'set_version', { fd: render, di_major: -1, di_minor: -1, dd_major: -1, dd_minor: -1 }), { ok: false, errno: 'EACCES' }, 'master-only on a render node');
    const bo = ok(call(th, 'create_dumb', { fd: card, width: 1024, height: 1, bpp: 32 }));
    const dmabuf = ok(call(th, 'prime_handle_to_fd', { fd: card, handle: bo.handle }));
    const { fd0, fd1 } = ok(call(th, 'unix_socketpair', {}));
    ok(call(th, 'unix_send_fd', { socket: fd0, fd: dmabuf }));
    const passed = ok(call(th, 'unix_recv_fd', { socket: fd1 }));
    const imported = ok(call(th, 'prime_fd_to_handle', { fd: render, dmabuf: passed }));
    t.equal(ok(call(th, 'prime_fd_to_handle', { fd: render, dmabuf })), imported, 'the passed fd is the same dma-buf');
    const sysfs = ok(call(th, 'read_device_files', { fd: card, dir: 'sysfs' }));
    t.match(sysfs, { dev: /^226:\d+\n$/, uevent: /DEVNAME=dri\/card\d+/ }, 'the card\'s sysfs files');
    t.match(ok(call(th, 'read_device_files', { fd: card, dir: 'debugfs' })), { name: /^vgem / }, 'and its debugfs files');
  });
});

t.test('issue 14: what the simulator\'s linux-6.1 was fixed to say (test/sim/kernel-fidelity.test.ts)', (t) => {
  withSession((th) => {
    const fd = ok(call(th, 'open', { driver: 'vgem' }));
    const a = ok(call(th, 'create_dumb', { fd, width: 1024, height: 4, bpp: 32 }));
    const offset = ok(call(th, 'map_dumb', { fd, handle: a.handle }));
    t.ok(offset >= 0x100000000, `fake offsets from DRM_FILE_PAGE_OFFSET_START (${offset})`);
    const nameA = ok(call(th, 'gem_flink', { fd, handle: a.handle }));
    const b = ok(call(th, 'create_dumb', { fd, width: 1024, height: 4, bpp: 32 }));
    t.ok(ok(call(th, 'gem_flink', { fd, handle: b.handle })) > nameA, 'a higher name while the lower one is taken');
    call(th, 'gem_close', { fd, handle: a.handle });
    const c = ok(call(th, 'create_dumb', { fd, width: 1024, height: 4, bpp: 32 }));
    t.equal(ok(call(th, 'map_dumb', { fd, handle: c.handle })), offset, 'a freed offset range is reused');
    t.equal(ok(call(th, 'gem_flink', { fd, handle: c.handle })), nameA, 'the lowest free flink name');
    t.match(call(th, 'create_dumb', { fd, width: 0x20000000, height: 1, bpp: 8 }), { ok: false, errno: 'ENOSPC' }, 'width x bpp wraps u32');
    t.same(ok(call(th, 'poll', { fd, events: ['in', 'out'] })), { ready: false, revents: [] }, 'drm_poll without events');
    t.match(call(th, 'dmabuf_sync', { fd, flags: ['start', 'read'] }), { ok: false, errno: 'ENOTTY' }, 'a dma-buf ioctl on a drm fd');
    t.match(call(th, 'sync_file_info', { fd }), { ok: false, errno: 'ENOTTY' }, 'a sync_file ioctl on a drm fd');
    const info = ok(call(th, 'fdinfo', { fd }));
    t.equal(info.flags, '02100002', 'O_RDWR | O_LARGEFILE | O_CLOEXEC');
    t.ok(!('drm-driver' in info), 'no drm-* fdinfo lines before 6.5');
    t.equal(ok(call(th, 'fdinfo', { fd: ok(call(th, 'dup', { fd })) })).flags, '02100002', 'dup is close-on-exec');
    t.match(call(th, 'mmap', { fd, length: 4096, offset: -4096 }), { ok: false, errno: 'EINVAL' }, 'negative offset on a drm fd');
    const dmabuf = ok(call(th, 'prime_handle_to_fd', { fd, handle: c.handle, flags: ['cloexec', 'rdwr'] }));
    t.match(call(th, 'mmap', { fd: dmabuf, length: 4096, offset: -4096 }), { ok: false, errno: 'EOVERFLOW' }, 'negative offset on a dma-buf');
    t.ok(!('name' in ok(call(th, 'fdinfo', { fd: dmabuf }))), 'no name before SET_NAME');
    call(th, 'dmabuf_set_name', { fd: dmabuf, name: '' });
    t.equal(ok(call(th, 'fdinfo', { fd: dmabuf })).name, '', 'an empty name is shown');
    const stub = ok(call(th, 'dmabuf_export_sync_file', { fd: dmabuf, flags: ['read'] }));
    t.equal(ok(call(th, 'sync_file_info', { fd: stub })).name, 'stub-stub0-0', 'the stub fence\'s sync_file name');
    const long = 'a-merge-name-that-is-longer-than-31-bytes';
    t.equal(ok(call(th, 'sync_file_info', { fd: ok(call(th, 'sync_file_merge', { fd: stub, fd2: stub, name: long })) })).name, long.slice(0, 31), 'merge names are cut');
    const count = () => ok(call(th, 'fdinfo', { fd: dmabuf })).count;
    const fence = ok(call(th, 'vgem_fence_attach', { fd, handle: c.handle, flags: ['write'] }));
    const before = count();
    t.same(ok(call(th, 'poll', { fd: dmabuf })), { ready: false, revents: [] });
    t.equal(count(), before + 1, 'a pending poll callback holds the file');
    call(th, 'vgem_fence_signal', { fd, fence });
    t.equal(count(), before, 'until its fence signals');
    const second = ok(call(th, 'gem_open', { fd, name: nameA })).handle;
    ok(call(th, 'prime_handle_to_fd', { fd, handle: second }));
    t.equal(ok(call(th, 'prime_fd_to_handle', { fd, dmabuf })), c.handle, 'the PRIME cache finds the first handle exported');
    const { fd0, fd1 } = ok(call(th, 'unix_socketpair', {}));
    t.same(ok(call(th, 'poll', { fd: fd1 })), { ready: false, revents: [] }, 'an empty datagram socket is not readable');
    t.match(call(th, 'sync_file_wait', { fd: fd1, timeout_ms: 1 }), { ok: false, errno: 'ETIME' });
    call(th, 'close', { fd: fd1 });
    t.match(call(th, 'unix_send_fd', { socket: fd0, fd }), { ok: false, errno: 'ECONNREFUSED' }, 'send to a closed peer');
    t.match(call(th, 'unix_send_fd', { socket: fd0, fd }), { ok: false, errno: 'ENOTCONN' }, 'then no peer');
    t.same(ok(call(th, 'poll', { fd: 4242 })), { ready: true, revents: ['nval'] }, 'a closed fd');
  });
});

t.test('module unload and load of vgem', (t) => {
  const unload = (): OpResult => {
    let r: OpResult = { ok: true, value: null };
    withSession((th) => { r = call(th, 'module_unload', { name: 'vgem' }); });
    return r;
  };
  withSession((th) => {
    ok(call(th, 'open', { driver: 'vgem' }));
    t.match(call(th, 'module_unload', { name: 'vgem' }), { ok: false, errno: 'EAGAIN' }, 'in use while a file is open');
  });
  t.same(unload(), { ok: true, value: null }, 'unloads once every file is closed');
  t.ok(!(addon.ok && addon.addon.drivers().includes('vgem')), 'no vgem device once unloaded');
  withSession((th) => {
    t.same(call(th, 'module_load', { name: 'vgem' }), { ok: true, value: null });
    t.match(call(th, 'module_load', { name: 'vgem' }), { ok: false, errno: 'EEXIST' });
  });
  t.same(unload(), { ok: true, value: null });
  withSession((th, session) => {
    t.equal(session.unmet({ driver: 'vgem' }), undefined, 'a driver requirement loads the module again, as drm_open_driver does');
    t.ok(call(th, 'open', { driver: 'vgem' }).ok, 'vgem is back');
  });
});

writeFileSync(process.argv[2], JSON.stringify(t.results, null, 1));
