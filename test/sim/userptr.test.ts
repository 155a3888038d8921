// i915 userptr objects (i915_gem_userptr.c): errno rules of the ioctl, the
// export refused since the userptr rework, and the object freed with its handle.
import t from 'tap';
import { errno, num, run } from './helpers.ts';

t.test('gem_userptr: whole pages only, no unsynchronized objects, no export', (t) => {
  const { session } = run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'i915-sim' }));
    t.equal(errno(yield* th.call('gem_userptr', { fd, size: 100 })), 'EINVAL', 'not whole pages');
    t.equal(errno(yield* th.call('gem_userptr', { fd, size: 0 })), 'EINVAL', 'empty');
    t.equal(errno(yield* th.call('gem_userptr', { fd, size: 4096, flags: 0x80000000 })), 'ENODEV', 'unsynchronized');
    t.equal(errno(yield* th.call('gem_userptr', { fd, size: 4096, flags: 0x4 })), 'EINVAL', 'unknown flag');
    const handle = num(yield* th.call('gem_userptr', { fd, size: 16384, flags: 0x1 }));
    t.equal(num(yield* th.call('gem_object_count', { fd })), 1);
    t.equal(errno(yield* th.call('prime_handle_to_fd', { fd, handle, flags: ['cloexec'] })), 'EINVAL', 'export refused');
    yield* th.call('gem_close', { fd, handle });
    t.equal(num(yield* th.call('gem_object_count', { fd })), 0, 'freed with its handle');
    const vgem = num(yield* th.call('open', { driver: 'vgem' }));
    t.equal(errno(yield* th.call('gem_userptr', { fd: vgem, size: 4096 })), 'EINVAL', 'drm_ioctl: not one of the vgem ioctls');
  });
  t.match(session.kmsg().map((r) => r.message).join('\n'), 'Exporting userptr no longer allowed');
  t.end();
});
