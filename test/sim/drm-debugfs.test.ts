// A DRM device's sysfs and debugfs files on the simulator (drm_sysfs.c,
// drm_debugfs.c), as IGT's vgem_basic sysfs / debugfs subtests read them.
import t from 'tap';
import { errno, num, rec, run } from './helpers.ts';

t.test('sysfs: the minor’s dev and uevent', (t) => {
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    t.same(rec(yield* th.call('read_device_files', { fd, dir: 'sysfs' })), {
      dev: '226:0\n',
      uevent: 'MAJOR=226\nMINOR=0\nDEVNAME=dri/card0\nDEVTYPE=drm_minor\n',
    });
    const timeline = num(yield* th.call('sw_sync_timeline_create', {}));
    t.equal(errno(yield* th.call('read_device_files', { fd: timeline, dir: 'sysfs' })), 'ENOTTY', 'not a DRM file');
  });
  t.end();
});

t.test('debugfs: name, clients (master first opener, newest first), flink names', (t) => {
  run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const other = num(yield* th.call('open', { driver: 'vgem' }));
    const bo = rec(yield* th.call('create_dumb', { fd, width: 1024, height: 1, bpp: 32 }));
    const name = num(yield* th.call('gem_flink', { fd, handle: bo.handle }));
    const files = rec(yield* th.call('read_device_files', { fd: other, dir: 'debugfs' }));
    t.same(Object.keys(files), ['name', 'clients', 'gem_names']);
    t.equal(files.name, 'vgem dev=vgem unique=vgem\n');
    const clients = String(files.clients).split('\n');
    t.match(clients[0], /^ +command +tgid +dev master a +uid +magic$/);
    t.match(clients[1], /^ +primeci +\d+ +0 +n +y/, 'the second file first, not master');
    t.match(clients[2], /^ +primeci +\d+ +0 +y +y/, 'the first opener is master');
    t.equal(clients.length, 4, 'two clients and the final newline');
    t.equal(files.gem_names, `  name     size handles refcount\n${String(name).padStart(6)}     4096       1        1\n`);
  });
  t.end();
});
