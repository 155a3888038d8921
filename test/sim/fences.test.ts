// Fences on the simulator: vgem fence errno rules and timeout, dma-buf poll
// readiness (reworked and legacy), sync_file export snapshots and import,
// sw_sync timelines, merge/info/wait, DMA_BUF_IOCTL_SYNC, names and fdinfo,
// module unload.
import t from 'tap';
import type { Thread } from '../../backends/backend.ts';
import { errno, num, ok, rec, run } from './helpers.ts';

function* vgemBuffer(th: Thread) {
  const fd = num(yield* th.call('open', { driver: 'vgem' }));
  const bo = rec(yield* th.call('create_dumb', { fd, width: 1024, height: 1, bpp: 32 }));
  const dmabuf = num(yield* th.call('prime_handle_to_fd', { fd, handle: bo.handle, flags: ['cloexec', 'rdwr'] }));
  return { fd, handle: bo.handle as number, dmabuf };
}

/** [POLLIN ready, POLLOUT ready] with a zero timeout. */
function* readiness(th: Thread, fd: number) {
  const r = rec(yield* th.call('poll', { fd, events: ['in'] })).ready;
  const w = rec(yield* th.call('poll', { fd, events: ['out'] })).ready;
  return [r, w];
}

t.test('vgem fence attach/signal errno rules', (t) => {
  run(function* (th) {
    const { fd, handle } = yield* vgemBuffer(th);
    t.equal(errno(yield* th.call('vgem_fence_attach', { fd, handle, flags: 0xff })), 'EINVAL', 'bad-flag');
    t.equal(errno(yield* th.call('vgem_fence_attach', { fd, handle, pad: 1 })), 'EINVAL', 'bad-pad');
    t.equal(errno(yield* th.call('vgem_fence_attach', { fd, handle: 0xff })), 'ENOENT', 'bad-handle');
    t.equal(errno(yield* th.call('vgem_fence_signal', { fd, fence: 0xff })), 'ENOENT', 'bad-fence');
    const f = num(yield* th.call('vgem_fence_attach', { fd, handle }));
    t.equal(f, 1, 'ids start at 1');
    t.equal(errno(yield* th.call('vgem_fence_signal', { fd, fence: f, flags: 0xff })), 'EINVAL', 'signal flags');
    t.equal(errno(yield* th.call('vgem_fence_attach', { fd, handle })), 'ok', 'a second reader is fine');
    t.equal(errno(yield* th.call('vgem_fence_attach', { fd, handle, flags: ['write'] })), 'EBUSY', 'busy-fence');
    t.equal(errno(yield* th.call('vgem_fence_signal', { fd, fence: f })), 'ok');
    t.equal(errno(yield* th.call('vgem_fence_signal', { fd, fence: f })), 'ENOENT', 'signalled twice');
    yield* th.call('vgem_fence_signal', { fd, fence: 2 });
    const w = num(yield* th.call('vgem_fence_attach', { fd, handle, flags: ['write'] }));
    t.equal(errno(yield* th.call('vgem_fence_attach', { fd, handle })), 'EBUSY', 'reader behind a writer');
    yield* th.call('vgem_fence_signal', { fd, fence: w });
  });
  t.end();
});

t.test('vgem_slow nohang: a fence times out after 10 s; signalling it then is ETIMEDOUT', (t) => {
  run(function* (th) {
    const { fd, handle, dmabuf } = yield* vgemBuffer(th);
    const f = num(yield* th.call('vgem_fence_attach', { fd, handle, flags: ['write'] }));
    const start = th.now();
    t.same(rec(yield* th.call('poll', { fd: dmabuf, events: ['out'], timeout_ms: 5000 })), { ready: false, revents: [] });
    t.same(rec(yield* th.call('poll', { fd: dmabuf, events: ['out'], timeout_ms: -1 })), { ready: true, revents: ['out'] });
    const waited = th.now() - start;
    t.ok(waited >= 10_000 && waited < 10_100, `woke at the 10 s timeout (${waited} ms)`);
    t.equal(errno(yield* th.call('vgem_fence_signal', { fd, fence: f })), 'ETIMEDOUT');
  });
  t.end();
});

t.test('dma-buf poll: POLLIN waits for writers, POLLOUT for everyone (dmabuf-fence)', (t) => {
  run(function* (th) {
    const { fd, handle, dmabuf } = yield* vgemBuffer(th);
    t.same(yield* readiness(th, dmabuf), [true, true], 'idle');
    const r = num(yield* th.call('vgem_fence_attach', { fd, handle }));
    t.same(yield* readiness(th, dmabuf), [true, false], 'read fence');
    yield* th.call('vgem_fence_signal', { fd, fence: r });
    t.same(yield* readiness(th, dmabuf), [true, true]);
    const w = num(yield* th.call('vgem_fence_attach', { fd, handle, flags: ['write'] }));
    t.same(yield* readiness(th, dmabuf), [false, false], 'write fence');
    t.same(rec(yield* th.call('poll', { fd: dmabuf, events: ['in', 'out'] })), { ready: false, revents: [] });
    yield* th.call('vgem_fence_signal', { fd, fence: w });
    t.same(rec(yield* th.call('poll', { fd: dmabuf, events: ['in', 'out'] })), { ready: true, revents: ['in', 'out'] });
  });
  t.end();
});

t.test('sync_file export is a snapshot; import adds readers or writers', (t) => {
  run(function* (th) {
    const { fd, handle, dmabuf } = yield* vgemBuffer(th);
    const idle = num(yield* th.call('dmabuf_export_sync_file', { fd: dmabuf, flags: ['write'] }));
    t.equal(rec(yield* th.call('sync_file_info', { fd: idle })).status, 1, 'no fences: a signalled stub');
    for (const flags of [0, 4, -1, ['read', 'write'] as string[]]) {
      const expect = Array.isArray(flags) ? 'ok' : 'EINVAL';
      t.equal(errno(yield* th.call('dmabuf_export_sync_file', { fd: dmabuf, flags })), expect, `export flags ${String(flags)}`);
    }
    const f1 = num(yield* th.call('vgem_fence_attach', { fd, handle }));
    const f2 = num(yield* th.call('vgem_fence_attach', { fd, handle }));
    const asWriter = num(yield* th.call('dmabuf_export_sync_file', { fd: dmabuf, flags: ['write'] }));
    const asReader = num(yield* th.call('dmabuf_export_sync_file', { fd: dmabuf, flags: ['read'] }));
    t.equal(rec(yield* th.call('sync_file_info', { fd: asReader })).status, 1, 'readers do not block a reader');
    t.equal(rec(yield* th.call('sync_file_info', { fd: asWriter })).num_fences, 2);
    const f3 = num(yield* th.call('vgem_fence_attach', { fd, handle }));
    yield* th.call('vgem_fence_signal', { fd, fence: f1 });
    yield* th.call('vgem_fence_signal', { fd, fence: f2 });
    t.equal(errno(yield* th.call('sync_file_wait', { fd: asWriter, timeout_ms: 0 })), 'ok', 'ignores the later fence');
    t.same(yield* readiness(th, dmabuf), [true, false], 'the third reader still counts for the buffer');
    yield* th.call('vgem_fence_signal', { fd, fence: f3 });

    const tl = num(yield* th.call('sw_sync_timeline_create', {}));
    const pt = num(yield* th.call('sw_sync_fence_create', { timeline: tl, value: 1 }));
    t.equal(errno(yield* th.call('dmabuf_import_sync_file', { fd: dmabuf, sync_file: pt, flags: 0 })), 'EINVAL');
    t.equal(errno(yield* th.call('dmabuf_import_sync_file', { fd: dmabuf, sync_file: fd, flags: ['read'] })), 'EINVAL', 'not a sync_file');
    yield* th.call('dmabuf_import_sync_file', { fd: dmabuf, sync_file: pt, flags: ['read'] });
    t.same(yield* readiness(th, dmabuf), [true, false], 'imported as a reader');
    const pt2 = num(yield* th.call('sw_sync_fence_create', { timeline: tl, value: 2 }));
    yield* th.call('dmabuf_import_sync_file', { fd: dmabuf, sync_file: pt2, flags: ['write'] });
    t.same(yield* readiness(th, dmabuf), [false, false], 'imported as a writer');
    yield* th.call('sw_sync_timeline_inc', { timeline: tl, count: 2 });
    t.same(yield* readiness(th, dmabuf), [true, true], 'timeline reached both');
  });
  t.end();
});

t.test('sw_sync: merge, info, wait, closed timeline', (t) => {
  run(function* (th) {
    const a = num(yield* th.call('sw_sync_timeline_create', {}));
    const b = num(yield* th.call('sw_sync_timeline_create', {}));
    const a1 = num(yield* th.call('sw_sync_fence_create', { timeline: a, value: 1 }));
    const a5 = num(yield* th.call('sw_sync_fence_create', { timeline: a, value: 5 }));
    const b1 = num(yield* th.call('sw_sync_fence_create', { timeline: b, value: 1, name: 'b1' }));
    t.equal(errno(yield* th.call('sync_file_wait', { fd: a1, timeout_ms: 10 })), 'ETIME');
    const same = num(yield* th.call('sync_file_merge', { fd: a1, fd2: a5, name: 'same' }));
    t.match(rec(yield* th.call('sync_file_info', { fd: same })), { name: 'same', num_fences: 1, status: 0 }, 'one per timeline');
    const both = num(yield* th.call('sync_file_merge', { fd: a5, fd2: b1 }));
    t.equal(rec(yield* th.call('sync_file_info', { fd: both })).num_fences, 2);
    t.equal(errno(yield* th.call('sync_file_merge', { fd: a5, fd2: 99 })), 'ENOENT', 'merge with a bad fd');
    t.equal(errno(yield* th.call('sync_file_info', { fd: a })), 'ENOTTY', 'a timeline is not a sync_file');
    yield* th.call('sw_sync_timeline_inc', { timeline: a, count: 5 });
    t.equal(rec(yield* th.call('sync_file_info', { fd: same })).status, 1);
    t.equal(rec(yield* th.call('sync_file_info', { fd: both })).status, 0, 'still waits for b');
    yield* th.call('close', { fd: b });
    const info = rec(yield* th.call('sync_file_info', { fd: b1 }));
    t.match(info, { status: -2, fences: [{ driver_name: 'sw_sync', status: -2 }] }, 'closed timeline: -ENOENT');
    t.equal(errno(yield* th.call('sync_file_wait', { fd: both, timeout_ms: 0 })), 'ok', 'signalled with an error');
    t.equal(rec(yield* th.call('sync_file_info', { fd: both })).status, -2);
    const past = num(yield* th.call('sw_sync_fence_create', { timeline: a, value: 3 }));
    t.equal(rec(yield* th.call('sync_file_info', { fd: past })).status, 1, 'created behind the timeline');
  });
  t.end();
});

t.test('a sync_file wait in one thread is released by an increment in another', (t) => {
  const { outcome } = run(function* (th) {
    const tl = num(yield* th.call('sw_sync_timeline_create', {}));
    const pt = num(yield* th.call('sw_sync_fence_create', { timeline: tl, value: 1 }));
    let waited = 'not run';
    yield* th.spawn([
      function* (w) { const r = yield* w.call('sync_file_wait', { fd: pt, timeout_ms: -1 }); waited = errno(r); },
      function* (s) { yield* s.sleep(5); yield* s.call('sw_sync_timeline_inc', { timeline: tl }); },
    ], 'thread');
    t.equal(waited, 'ok');
  });
  t.same(outcome, { kind: 'completed' });
  t.end();
});

t.test('legacy dma_buf_poll ignores the writer once readers exist (seed 003)', (t) => {
  const body = (seen: unknown[]) => function* (th: Thread) {
    const { fd, handle, dmabuf } = yield* vgemBuffer(th);
    const w = num(yield* th.call('vgem_fence_attach', { fd, handle, flags: ['write'] }));
    const tl = num(yield* th.call('sw_sync_timeline_create', {}));
    const pt = num(yield* th.call('sw_sync_fence_create', { timeline: tl, value: 1 }));
    yield* th.call('dmabuf_import_sync_file', { fd: dmabuf, sync_file: pt, flags: ['read'] });
    yield* th.call('sw_sync_timeline_inc', { timeline: tl });
    seen.push(rec(yield* th.call('poll', { fd: dmabuf, events: ['out'] })).ready);
    seen.push(rec(yield* th.call('poll', { fd: dmabuf, events: ['in'] })).ready);
    yield* th.call('vgem_fence_signal', { fd, fence: w });
  };
  const fixed: unknown[] = [];
  const legacy: unknown[] = [];
  run(body(fixed), 'mainline');
  run(body(legacy), 'mainline+dma-buf-poll-legacy');
  t.same(fixed, [false, false], 'the pending writer blocks both');
  t.same(legacy, [true, false], 'POLLOUT wrongly ready while the writer is pending');
  t.end();
});

t.test('DMA_BUF_IOCTL_SYNC flag checks and the implicit-fence wait', (t) => {
  run(function* (th) {
    const { fd, handle, dmabuf } = yield* vgemBuffer(th);
    for (const flags of [-1, 0, 4, 8]) {
      t.equal(errno(yield* th.call('dmabuf_sync', { fd: dmabuf, flags })), 'EINVAL', `flags ${flags}`);
    }
    ok(yield* th.call('dmabuf_sync', { fd: dmabuf, flags: ['start', 'write'] }));
    ok(yield* th.call('dmabuf_sync', { fd: dmabuf, flags: ['end', 'write'] }));
    t.equal(errno(yield* th.call('dmabuf_sync', { fd, flags: ['start', 'read'] })), 'ENOTTY', 'a drm fd: not a DRM ioctl type');
    yield* th.call('vgem_fence_attach', { fd, handle, flags: ['write'] });
    const before = th.now();
    ok(yield* th.call('dmabuf_sync', { fd: dmabuf, flags: ['start', 'read'] }));
    t.ok(th.now() - before >= 10_000, 'waited for the write fence (its 10 s timeout)');
  });
  t.end();
});

t.test('DMA_BUF_SET_NAME and fdinfo', (t) => {
  run(function* (th) {
    const { fd, dmabuf } = yield* vgemBuffer(th);
    // count: the fd, the exporter's obj->dma_buf and the file's PRIME cache entry
    t.match(rec(yield* th.call('fdinfo', { fd: dmabuf })), { pos: 0, flags: '02000002', size: 4096, count: 3, exp_name: 'drm' });
    ok(yield* th.call('dmabuf_set_name', { fd: dmabuf, name: 'scanout' }));
    t.equal(rec(yield* th.call('fdinfo', { fd: dmabuf })).name, 'scanout');
    t.equal(errno(yield* th.call('dmabuf_set_name', { fd: dmabuf, name: 'x'.repeat(32) })), 'EINVAL');
    t.match(rec(yield* th.call('fdinfo', { fd })), { 'drm-driver': 'vgem' });
    t.equal(errno(yield* th.call('fdinfo', { fd: 99 })), 'ENOENT');
  });
  t.end();
});

t.test('module unload is blocked by open files, dma-bufs and mappings', (t) => {
  run(function* (th) {
    t.equal(errno(yield* th.call('module_unload', { name: 'nosuch' })), 'ENOENT');
    t.equal(errno(yield* th.call('module_unload', { name: 'vgem' })), 'ok', 'idle module unloads');
    t.equal(errno(yield* th.call('open', { driver: 'vgem' })), 'ENOENT');
    t.equal(errno(yield* th.call('module_load', { name: 'vgem' })), 'ok');
    t.equal(errno(yield* th.call('module_load', { name: 'vgem' })), 'EEXIST');
    const { fd, dmabuf } = yield* vgemBuffer(th);
    t.equal(errno(yield* th.call('module_unload', { name: 'vgem' })), 'EAGAIN', 'open fd');
    const map = num(yield* th.call('mmap', { fd: dmabuf, length: 4096 }));
    yield* th.call('close', { fd });
    t.equal(errno(yield* th.call('module_unload', { name: 'vgem' })), 'EAGAIN', 'live dma-buf');
    yield* th.call('close', { fd: dmabuf });
    t.equal(errno(yield* th.call('module_unload', { name: 'vgem' })), 'EAGAIN', 'mapping of a closed dma-buf');
    yield* th.call('munmap', { map });
    t.equal(errno(yield* th.call('module_unload', { name: 'vgem' })), 'ok');
  });
  t.end();
});
