// gem_object_count: the debugfs object count IGT's leak checks read, following
// an object from create through export, handle close and dma-buf close.
import t from 'tap';
import { errno, num, rec, run } from './helpers.ts';

t.test('gem_object_count follows an object until its last reference goes', (t) => {
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const count = function* () { return num(yield* th.call('gem_object_count', { fd })); };
    t.equal(yield* count(), 0);
    const { handle } = rec(yield* th.call('create_dumb', { fd, width: 1024, height: 1, bpp: 32 })) as { handle: number };
    t.equal(yield* count(), 1);
    const dmabuf = num(yield* th.call('prime_handle_to_fd', { fd, handle }));
    yield* th.call('gem_close', { fd, handle });
    t.equal(yield* count(), 1, 'the dma-buf keeps it alive');
    yield* th.call('close', { fd: dmabuf });
    t.equal(yield* count(), 0, 'freed with the dma-buf');
    const dumb = num(yield* th.call('sw_sync_timeline_create', {}));
    t.equal(errno(yield* th.call('gem_object_count', { fd: dumb })), 'ENOTTY', 'not a DRM fd');
    t.equal(errno(yield* th.call('gem_object_count', { fd: 99 })), 'EBADF');
  });
  t.end();
});
