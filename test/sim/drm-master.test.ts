// DRM master on the simulator (drm_auth.c, drm_ioctl.c): the first primary
// client is master until it closes, render clients never are;
// DRM_IOCTL_SET_VERSION is master-only and checks the requested versions.
import t from 'tap';
import { errno, num, rec, run } from './helpers.ts';

const ANY = { dd_major: -1, dd_minor: -1 };

t.test('SET_VERSION checks versions and reports the device’s', (t) => {
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    t.same(rec(yield* th.call('set_version', { fd, di_major: 1, di_minor: 4, ...ANY })),
      { di_major: 1, di_minor: 4, dd_major: 1, dd_minor: 0 }, 'interface 1.4, vgem 1.0');
    t.equal(errno(yield* th.call('set_version', { fd, di_major: 1, di_minor: 5, ...ANY })), 'EINVAL', 'newer interface');
    t.equal(errno(yield* th.call('set_version', { fd, di_major: 2, di_minor: 0, ...ANY })), 'EINVAL', 'other major');
    t.equal(errno(yield* th.call('set_version', { fd, di_major: -1, di_minor: 99, ...ANY })), 'ok', 'no interface check');
    t.equal(errno(yield* th.call('set_version', { fd, di_major: -1, di_minor: 0, dd_major: 1, dd_minor: 1 })), 'EINVAL',
      'newer driver');
    t.equal(errno(yield* th.call('set_version', { fd, di_major: -1, di_minor: 0, dd_major: 1, dd_minor: 0 })), 'ok');
  });
  t.end();
});

t.test('only the current master may SET_VERSION; closing it frees the role', (t) => {
  run(function* (th) {
    const first = num(yield* th.call('open', { driver: 'vgem' }));
    const second = num(yield* th.call('open', { driver: 'vgem' }));
    const render = num(yield* th.call('open_render', { driver: 'vgem' }));
    const v14 = { di_major: 1, di_minor: 4, ...ANY };
    t.equal(errno(yield* th.call('set_version', { fd: second, ...v14 })), 'EACCES', 'second client');
    t.equal(errno(yield* th.call('set_version', { fd: render, ...v14 })), 'EACCES', 'render node');
    t.equal(errno(yield* th.call('open_render', { driver: 'nosuch' })), 'ENOENT');
    yield* th.call('close', { fd: first });
    t.equal(errno(yield* th.call('set_version', { fd: second, ...v14 })), 'EACCES', 'master is taken at open only');
    const third = num(yield* th.call('open', { driver: 'vgem' }));
    t.equal(errno(yield* th.call('set_version', { fd: third, ...v14 })), 'ok', 'the next primary open is master');
  });
  t.end();
});
