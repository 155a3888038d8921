// The native backend on the host (no DRM device needed): loading, availability,
// and bad values from a scenario, which must come back as errnos, never a crash.
// /dev/zero stands in for a DRM file: its MAP_SHARED mappings are real shmem.
import t from 'tap';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpResult, Preempt, Thread, ThreadBody } from '../../backends/backend.ts';
import type { OpName } from '../../backends/ops.ts';
import { loadAddon, loadAddonFrom } from '../../backends/native/addon.ts';
import { nativeBackend } from '../../backends/native/index.ts';
import { parseKmsgRecord } from '../../backends/native/kmsg.ts';
import { selftestParam } from '../../backends/native/encode.ts';

const addon = loadAddon();

/** Runs `steps` on a fresh session; returns what each call gave. */
function runOps(body: (call: (op: OpName, args: Record<string, unknown>) => OpResult, thread: Thread) => Generator<Preempt, void, unknown> | void) {
  const session = nativeBackend.session({ build: 'host', seed: 0 });
  try {
    session.run(function* (thread) {
      const call = (op: OpName, args: Record<string, unknown>) => {
        const gen = thread.call(op, args);
        let step = gen.next();
        while (!step.done) step = gen.next();
        return step.value;
      };
      const inner = body(call, thread);
      if (inner) yield* inner;
    });
  } finally {
    session.dispose();
  }
}

function value(r: OpResult): any {
  if (!r.ok) throw new Error(`unexpected -${r.errno} ${r.detail ?? ''}`);
  return r.value;
}

t.test('a missing or broken addon is a reason with the fix', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'primeci-addon-'));
  t.match(loadAddonFrom(join(dir, 'none.node')), { ok: false, reason: /install a C toolchain.*re-run npm install/ });
  writeFileSync(join(dir, 'bad.node'), 'not an ELF');
  t.match(loadAddonFrom(join(dir, 'bad.node')), { ok: false, reason: /failed to load: .*re-run npm install/ });
});

t.test('kmsg records parse as /dev/kmsg writes them', async (t) => {
  t.same(parseKmsgRecord('4,812,5123456,-;WARNING: CPU: 0 PID: 1 at foo\n SUBSYSTEM=drm\n'), {
    level: 4, seq: 812, usec: 5123456, message: 'WARNING: CPU: 0 PID: 1 at foo',
  });
  t.same(parseKmsgRecord('14,3,100,-;[primeci] marker'), { level: 6, seq: 3, usec: 100, message: '[primeci] marker' }, 'facility bits are dropped');
  t.equal(parseKmsgRecord('garbage'), undefined);
});

t.test('the addon is built here', { skip: addon.ok ? false : (addon as { reason: string }).reason }, async (t) => {
  t.test('unavailable without /dev/dri, with what to do', async (t) => {
    t.match(nativeBackend.unavailable(), /no \/dev\/dri.*primeci vm/);
  });

  t.test('requirements', async (t) => {
    const session = nativeBackend.session({ build: 'host', seed: 0 });
    t.match(session.unmet({ driver: 'vgem' }), /no vgem device \(no DRM device in \/dev\/dri\)/);
    t.equal(session.unmet({ op: 'mmap' }), undefined);
    t.match(session.unmet({ op: 'no_such_op' as OpName }), /unknown op/);
    t.match(session.unmet({ feature: 'sw_sync' }), /CONFIG_SW_SYNC/);
    t.match(session.unmet({ feature: 'warp_drive' }), /no probe on the native backend/);
    t.match(session.unmet({ driver: 'any' }), /no DRM device but vgem, vkms, virtio_gpu \(IGT's DRIVER_ANY\)/);
    t.match(session.unmet({ feature: 'dmabuf_selftests' }), /dmabuf_selftests\.ko/);
    t.match(session.unmet({ feature: 'udmabuf' }), /no \/dev\/udmabuf/);
    session.dispose();
  });

  t.test('bad fds and handles are errnos', async (t) => {
    runOps((call) => {
      t.match(call('close', { fd: 12345 }), { ok: false, errno: 'EBADF' }, 'an fd the scenario never opened');
      t.match(call('close', { fd: 1 }), { ok: false, errno: 'EBADF' }, 'the runner\'s own stdout is not the scenario\'s');
      const fd = value(call('open', { path: '/dev/zero' }));
      t.same(call('close', { fd }), { ok: true, value: null });
      t.match(call('close', { fd }), { ok: false, errno: 'EBADF' }, 'closed twice');
      t.match(call('dup', { fd }), { ok: false, errno: 'EBADF' });
      t.match(call('lseek', { fd, offset: 0, whence: 'set' }), { ok: false, errno: 'EBADF' });
      t.match(call('open', { path: '/no/such/node' }), { ok: false, errno: 'ENOENT' });
      t.match(call('open', {}), { ok: false, errno: 'EINVAL', detail: /exactly one of driver or path/ });
      t.match(call('open', { driver: 'vgem' }), { ok: false, errno: 'ENOENT' }, 'no such driver');
      const zero = value(call('open', { path: '/dev/zero' }));
      t.match(call('create_dumb', { fd: zero, width: -1, height: 1, bpp: 32 }), { ok: false, errno: 'EINVAL' }, 'negative size');
      t.match(call('create_dumb', { fd: zero, width: 1, height: 1, bpp: 32 }), { ok: false, errno: 'ENOTTY' }, 'not a DRM file');
      t.match(call('gem_close', { fd: zero, handle: -5 }), { ok: false, errno: 'EINVAL' });
      t.match(call('prime_fd_to_handle', { fd: zero, dmabuf: 999 }), { ok: false, errno: 'ENOTTY' }, 'the drm fd is checked first');
      t.match(call('module_load', { name: '../evil' }), { ok: false, errno: 'EINVAL' });
      t.match(call('module_load', { name: 'vgem' }), { ok: false, errno: 'ENOENT', detail: /\/lib\/modules\/primeci\/vgem\.ko/ });
    });
  });

  t.test('poll, sync_file_wait and fdinfo answer for unowned fds as the kernel does for closed ones', async (t) => {
    runOps((call) => {
      const fd = value(call('open', { path: '/dev/zero' }));
      t.same(call('poll', { fd, events: ['in', 'out'] }), { ok: true, value: { ready: true, revents: ['in', 'out'] } });
      t.same(call('poll', { fd: 1 }), { ok: true, value: { ready: true, revents: ['nval'] } }, 'the runner\'s stdout is not the scenario\'s');
      t.match(call('sync_file_wait', { fd: 77, timeout_ms: 0 }), { ok: false, errno: 'EINVAL' });
      t.match(value(call('fdinfo', { fd })), { pos: 0, flags: /^0\d+$/ });
      t.match(call('fdinfo', { fd: 2 }), { ok: false, errno: 'ENOENT' });
      t.match(call('sync_file_merge', { fd, fd2: fd }), { ok: false, errno: 'ENOTTY' });
      t.match(call('sync_file_info', { fd: 99 }), { ok: false, errno: 'EBADF' });
    });
  });

  t.test('fds pass over a unix socket as new fds of the receiver', async (t) => {
    runOps((call) => {
      const zero = value(call('open', { path: '/dev/zero' }));
      const { fd0, fd1 } = value(call('unix_socketpair', {}));
      t.same(call('unix_send_fd', { socket: fd0, fd: zero }), { ok: true, value: null });
      const received = value(call('unix_recv_fd', { socket: fd1 }));
      t.not(received, zero, 'a new fd');
      t.match(value(call('fdinfo', { fd: received })), { pos: 0 }, 'and it is open');
      t.match(call('unix_send_fd', { socket: fd0, fd: 4242 }), { ok: false, errno: 'EBADF' }, 'an fd the sender does not have');
      t.match(call('unix_recv_fd', { socket: zero }), { ok: false, errno: 'ENOTSOCK' });
      t.match(call('set_version', { fd: zero, di_major: -1, di_minor: -1, dd_major: -1, dd_minor: -1 }), { ok: false, errno: 'ENOTTY' });
      t.match(call('open_render', { driver: 'vgem' }), { ok: false, errno: 'ENOENT' });
      t.match(call('read_device_files', { fd: zero, dir: 'sysfs' }), { ok: false, errno: 'ENOTTY' }, 'not a DRM device');
    });
  });

  t.test('mappings are bounds-checked ids', async (t) => {
    runOps((call) => {
      const fd = value(call('open', { path: '/dev/zero' }));
      // mmap's own checks are the kernel's (do_mmap, ksys_mmap_pgoff), as on the simulator
      t.match(call('mmap', { fd, length: 0 }), { ok: false, errno: 'EINVAL' });
      t.match(call('mmap', { fd, length: -4096 }), { ok: false, errno: 'ENOMEM' }, 'negative length: larger than the address space');
      t.match(call('mmap', { fd: 4242, length: 4096 }), { ok: false, errno: 'EBADF' });
      t.match(call('mmap', { fd: 4242, length: 4096, offset: 1 }), { ok: false, errno: 'EINVAL' }, 'an unaligned offset before the fd');
      const short = value(call('mmap', { fd, length: 100 }));
      t.equal(value(call('mem_read', { map: short })).length, 4096, 'the mapping covers the whole page the kernel made');
      const readOnly = value(call('mmap', { fd, length: 4096, prot: ['read'] }));
      t.match(call('mem_write', { map: readOnly, byte: 1 }), { ok: false, errno: 'EFAULT' }, 'a store through PROT_READ: EFAULT, not SIGSEGV');
      const none = value(call('mmap', { fd, length: 4096, prot: [] }));
      t.match(call('mem_read', { map: none, length: 1 }), { ok: false, errno: 'EFAULT' }, 'a load through PROT_NONE');
      const writeOnly = value(call('mmap', { fd, length: 4096, prot: ['write'] }));
      t.equal(value(call('mem_read', { map: writeOnly, length: 1 })).length, 1, 'PROT_WRITE implies read on x86');
      const map = value(call('mmap', { fd, length: 8192 }));
      t.same(call('mem_write', { map, offset: 4096, length: 16, pattern: 'index32' }), { ok: true, value: null });
      const bytes = value(call('mem_read', { map, offset: 4096, length: 8 }));
      t.same([...bytes], [0, 4, 0, 0, 1, 4, 0, 0], 'index32 counts dwords from the start of the mapping');
      t.equal(value(call('mem_read', { map })).length, 8192, 'no length: to the end');
      t.equal(value(call('mem_read', { map, offset: 8192 })).length, 0, 'an empty read at the end');
      t.match(call('mem_read', { map, offset: 8190, length: 4 }), { ok: false, errno: 'EFAULT' }, 'past the end');
      t.match(call('mem_read', { map, offset: -1, length: 1 }), { ok: false, errno: 'EFAULT' }, 'before the start');
      t.match(call('mem_read', { map, length: -1 }), { ok: false, errno: 'EFAULT' }, 'negative length');
      t.match(call('mem_write', { map, offset: 9000, byte: 1 }), { ok: false, errno: 'EFAULT' });
      t.match(call('mem_write', { map }), { ok: false, errno: 'EINVAL', detail: /byte or pattern/ });
      t.match(call('mem_read', { map: 987654 }), { ok: false, errno: 'EFAULT' }, 'a forged mapping id');
      t.same(call('munmap', { map }), { ok: true, value: null });
      t.match(call('mem_read', { map, length: 1 }), { ok: false, errno: 'EFAULT' }, 'after munmap');
      t.match(call('munmap', { map }), { ok: false, errno: 'EINVAL' }, 'unmapped twice');
    });
  });

  t.test('threads share the process files and run concurrently', async (t) => {
    let map = 0;
    const seen: number[] = [];
    runOps(function* (call, thread) {
      const fd = value(call('open', { path: '/dev/zero' }));
      map = value(call('mmap', { fd, length: 4096 }));
      const writer = (byte: number, offset: number): ThreadBody => function* (th) {
        for (let i = 0; i < 50; i++) {
          const r = yield* th.call('mem_write', { map, offset, length: 1, byte });
          if (!r.ok) throw new Error(r.errno);
        }
        yield* th.sleep(1);
      };
      yield* thread.spawn([writer(0xaa, 0), writer(0xbb, 1)], 'thread');
      seen.push(...value(call('mem_read', { map, length: 2 })));
      const closer: ThreadBody = function* (th) {
        t.same(yield* th.call('close', { fd }), { ok: true, value: null }, 'a thread closes the shared fd');
      };
      yield* thread.spawn([closer], 'thread');
      t.match(call('close', { fd }), { ok: false, errno: 'EBADF' }, 'and it is closed for the main thread too');
    });
    t.same(seen, [0xaa, 0xbb]);
  });

  t.test('the threads of a group go on independently: a wait never holds up the op that ends it', async (t) => {
    const events: string[] = [];
    runOps(function* (call, thread) {
      const zero = value(call('open', { path: '/dev/zero' }));
      const { fd0, fd1 } = value(call('unix_socketpair', {}));
      // The waiter's poll ends only once the sender, which first sleeps, has sent.
      const waiter: ThreadBody = function* (th) {
        const r = yield* th.call('poll', { fd: fd1, events: ['in'], timeout_ms: 5000 });
        events.push('woken');
        t.same(r, { ok: true, value: { ready: true, revents: ['in'] } }, 'woken by the datagram, not by the timeout');
      };
      const sender: ThreadBody = function* (th) {
        yield* th.sleep(20);
        events.push('sending');
        t.same(yield* th.call('unix_send_fd', { socket: fd0, fd: zero }), { ok: true, value: null });
      };
      yield* thread.spawn([waiter, sender], 'thread');
      // A member that spawns waits for its own group while its sibling goes on.
      const { fd0: a, fd1: b } = value(call('unix_socketpair', {}));
      const spawner: ThreadBody = function* (th) {
        yield* th.spawn([function* (inner) {
          const r = yield* inner.call('poll', { fd: b, events: ['in'], timeout_ms: 5000 });
          events.push('nested woken');
          t.match(r, { ok: true, value: { ready: true } }, 'the nested thread is woken by its parent\'s sibling');
        }], 'thread');
      };
      const sibling: ThreadBody = function* (th) {
        yield* th.sleep(20);
        events.push('sibling sending');
        t.same(yield* th.call('unix_send_fd', { socket: a, fd: zero }), { ok: true, value: null });
      };
      yield* thread.spawn([spawner, sibling], 'thread');
    });
    t.same(events, ['sending', 'woken', 'sibling sending', 'nested woken']);
  });

  t.test('a forked child has its own fd table and shares MAP_SHARED memory', async (t) => {
    runOps(function* (call, thread) {
      const fd = value(call('open', { path: '/dev/zero' }));
      const map = value(call('mmap', { fd, length: 4096 }));
      const child: ThreadBody = function* (th) {
        t.same(yield* th.call('close', { fd }), { ok: true, value: null }, 'the child closes its copy');
        t.match(yield* th.call('dup', { fd }), { ok: false, errno: 'EBADF' });
        t.same(yield* th.call('mem_write', { map, byte: 0x5a }), { ok: true, value: null }, 'through the inherited mapping');
        const bytes = yield* th.call('mem_read', { map, offset: 4000, length: 3 });
        t.same(bytes.ok && [...(bytes.value as Uint8Array)], [0x5a, 0x5a, 0x5a], 'bytes come back from the child');
      };
      yield* thread.spawn([child, child], 'fork');
      t.ok(value(call('dup', { fd })) > 2, 'the parent\'s fd is still open');
      t.equal(value(call('mem_read', { map, offset: 17, length: 1 }))[0], 0x5a, 'the child\'s stores are visible');
      const nested: ThreadBody = function* (th) {
        yield* th.spawn([function* () {}], 'thread');
      };
      t.throws(() => {
        const g = thread.spawn([nested], 'fork');
        while (!g.next().done);
      }, /cannot spawn from inside a forked child/);
    });
  });

  t.test('a thread\'s new fd may reuse the number another thread just closed', async (t) => {
    const closes: OpResult[] = [];
    runOps(function* (_call, thread) {
      // Each thread's fds come and go while the other's do: the kernel hands a
      // freed number to the other thread, whose result may come back first.
      const churn: ThreadBody = function* (th) {
        for (let i = 0; i < 300; i++) {
          const fd = value(yield* th.call('memfd_create', {}));
          closes.push(yield* th.call('close', { fd }));
        }
      };
      yield* thread.spawn([churn, churn, churn], 'thread');
    });
    t.equal(closes.length, 900);
    t.same(closes.filter((r) => !r.ok), [], 'every thread closes each fd it made');
  });

  t.test('forked groups of sibling threads overlap: one ends while the other\'s child still blocks', async (t) => {
    let woken: OpResult | undefined;
    runOps(function* (call, thread) {
      const zero = value(call('open', { path: '/dev/zero' }));
      const { fd0, fd1 } = value(call('unix_socketpair', {}));
      // Were the blocked child to keep the other child's socket open, ending
      // that child's group would wait for it, and nobody would ever send.
      const quick: ThreadBody = function* (th) {
        yield* th.spawn([function* (child) { value(yield* child.call('memfd_create', {})); }], 'fork');
        t.same(yield* th.call('unix_send_fd', { socket: fd0, fd: zero }), { ok: true, value: null });
      };
      const blocked: ThreadBody = function* (th) {
        yield* th.spawn([function* (child) { woken = yield* child.call('poll', { fd: fd1, events: ['in'], timeout_ms: -1 }); }], 'fork');
      };
      yield* thread.spawn([quick, blocked], 'thread');
    });
    t.match(woken, { ok: true, value: { ready: true, revents: ['in'] } }, 'the child\'s poll is woken by the other thread');
  });

  t.test('memfds and seals are real on the host; udmabuf and heap ops reach the kernel with owned fds only', async (t) => {
    runOps((call) => {
      t.match(call('memfd_create', { flags: 0x40 }), { ok: false, errno: 'EINVAL' }, 'unknown memfd flags');
      const plain = value(call('memfd_create', {}));
      t.same(value(call('memfd_get_seals', { fd: plain })), ['seal'], 'F_SEAL_SEAL without allow_sealing');
      t.match(call('memfd_add_seals', { fd: plain, seals: ['shrink'] }), { ok: false, errno: 'EPERM' });
      const memfd = value(call('memfd_create', { name: 'host', flags: ['allow_sealing', 'cloexec'] }));
      t.match(call('memfd_add_seals', { fd: memfd, seals: -1 }), { ok: false, errno: 'EINVAL' }, 'upper 32 bits');
      t.same(call('ftruncate', { fd: memfd, size: 8192 }), { ok: true, value: null });
      t.same(call('memfd_add_seals', { fd: memfd, seals: ['shrink', 'grow'] }), { ok: true, value: null });
      t.match(call('ftruncate', { fd: memfd, size: 4096 }), { ok: false, errno: 'EPERM' }, 'F_SEAL_SHRINK');
      t.same(value(call('memfd_get_seals', { fd: memfd })), ['shrink', 'grow']);
      t.equal(value(call('lseek', { fd: memfd, offset: 0, whence: 'end' })), 8192);
      const zero = value(call('open', { path: '/dev/zero' }));
      t.match(call('memfd_get_seals', { fd: zero }), { ok: false, errno: 'EINVAL' }, 'not a shmem file');
      t.match(call('ftruncate', { fd: zero, size: 0 }), { ok: false, errno: 'EINVAL' }, 'not a regular file');
      t.match(call('memfd_get_seals', { fd: 1 }), { ok: false, errno: 'EBADF' }, 'the runner\'s stdout is not the scenario\'s');
      t.match(call('udmabuf_create', { fd: memfd, memfd, offset: 0, size: 4096 }), { ok: false, errno: 'ENOTTY' }, 'a memfd is no udmabuf device');
      t.match(call('udmabuf_create', { fd: memfd, memfd, offset: -1, size: 4096 }), { ok: false, errno: 'EINVAL' }, 'offset is a u64');
      t.match(call('udmabuf_create_list', { fd: 1, items: [{ memfd: 2, offset: 0, size: 4096 }] }), { ok: false, errno: 'EBADF' });
      const many = Array.from({ length: 17 }, () => ({ memfd, offset: 0, size: 4096 }));
      t.match(call('udmabuf_create_list', { fd: memfd, items: many }), { ok: false, errno: 'E2BIG', detail: /at most 16 items/ });
      t.match(call('dma_heap_alloc', { fd: memfd, len: 4096 }), { ok: false, errno: 'ENOTTY' }, 'a memfd is no heap');
      t.match(call('dma_heap_alloc', { fd: memfd, len: 4096, layout: 'newer' }), { ok: false, errno: 'ENOTTY' });
      t.match(call('kselftest_run', { module: 'dmabuf_selftests', test: 'dma_fence' }), { ok: false, errno: 'ENOENT', detail: /dmabuf_selftests\.ko/ });
    });
  });

  t.test('the selftest parameter is read from the module\'s modinfo as IGT reads it', async (t) => {
    const ko = new TextEncoder().encode('\0license=GPL\0parmtype=igt__13__dma_fence:bool\0parmtype=igt__14__dma_fence_chain:bool\0');
    t.equal(selftestParam(ko, 'dma_fence'), 'igt__13__dma_fence');
    t.equal(selftestParam(ko, 'dma_fence_chain'), 'igt__14__dma_fence_chain');
    t.equal(selftestParam(ko, 'dma_resv'), undefined);
  });

  t.test('an exception in a thread ends the run and is rethrown', async (t) => {
    const session = nativeBackend.session({ build: 'host', seed: 0 });
    t.throws(() => session.run(function* (thread) {
      yield* thread.spawn([function* () { throw new Error('boom in thread'); }, function* (th) { yield* th.sleep(1); }], 'thread');
    }), /boom in thread/);
    session.dispose();
  });

  t.test('an exception abandons the ops other members still have in the kernel', async (t) => {
    const session = nativeBackend.session({ build: 'host', seed: 0 });
    let polled: OpResult | undefined;
    // A poll with no timeout on a socket nobody writes to: were the run to
    // wait for it, this test would hang.
    t.throws(() => session.run(function* (thread) {
      const pair = thread.call('unix_socketpair', {});
      let step = pair.next();
      while (!step.done) step = pair.next();
      const { fd1 } = value(step.value);
      const blocked: ThreadBody = function* (th) {
        polled = yield* th.call('poll', { fd: fd1, events: ['in'], timeout_ms: -1 });
      };
      const failing: ThreadBody = function* (th) {
        yield* th.sleep(10);
        throw new Error('boom beside a blocked thread');
      };
      yield* thread.spawn([blocked, failing], 'thread');
    }), /boom beside a blocked thread/);
    t.equal(polled, undefined, 'the blocked member never resumed');
    // Closing the socket's peer hangs it up: the abandoned poll returns and its thread ends.
    session.dispose();
    let after: OpResult | undefined;
    runOps(function* (_call, thread) {
      yield* thread.spawn([function* (th) { after = yield* th.call('memfd_create', {}); }], 'thread');
    });
    t.match(after, { ok: true }, 'the next session runs groups as usual');
  });
});
