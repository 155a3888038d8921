// Host-side checks of the harness: kernel selection and QEMU arguments.
import t from 'tap';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagedKernel, userKernel, vmCacheDir } from '../../vm/kernel.ts';
import { badSharePath, qemuArgs } from '../../vm/qemu.ts';

const dir = mkdtempSync(join(tmpdir(), 'primeci-kernel-'));
const image = join(dir, 'bzImage');
writeFileSync(image, 'not really a kernel');

t.test('a user kernel needs an image and a modules tree', async (t) => {
  t.match(userKernel(join(dir, 'missing'), dir), { ok: false, error: /--kernel .*missing: no such file/ });
  t.match(userKernel(image, dir), { ok: false, error: /expected one release under lib\/modules\/ \(found 0\)/ });
  const release = join(dir, 'lib', 'modules', '6.9.0-test');
  mkdirSync(release, { recursive: true });
  t.match(userKernel(image, dir), { ok: false, error: /no modules.dep \(run depmod -b/ });
  writeFileSync(join(release, 'modules.dep'), '');
  const root = { ok: true, value: { image, modulesRoot: dir, release: '6.9.0-test', build: image } };
  t.same(userKernel(image, dir), root, 'INSTALL_MOD_PATH form');
  t.same(userKernel(image, release), root, 'lib/modules/RELEASE form');
});

t.test('the packaged kernel comes from the cache install-vm.sh fills', async (t) => {
  t.match(packagedKernel(join(dir, 'empty-cache')), { ok: false, error: /run \.ci\/install-vm\.sh/ });
  t.equal(vmCacheDir({ PRIMECI_VM_CACHE: '/x' }), '/x');
  t.equal(vmCacheDir({ XDG_CACHE_HOME: '/c' }), '/c/primeci/vm');
});

t.test('shares are mounted by tag at their host path', async (t) => {
  const args = qemuArgs({
    image, initrd: 'i.cpio', shares: [{ path: '/a' }, { path: '/b' }], control: '/a',
    silenceMs: 1, stallMs: 1, timeoutMs: 1, consoleLog: '/dev/null', cirrus: false,
  });
  t.ok(args.includes('local,path=/b,mount_tag=share1,security_model=none'));
  t.notOk(args.includes('cirrus-vga'));
  t.match(args[args.indexOf('-append') + 1], /primeci\.control=\/a .*primeci\.share=share0:\/a primeci\.share=share1:\/b$/);
  t.match(badSharePath('/with space'), /contains a space/);
  t.equal(badSharePath('/work/main'), undefined);
});
