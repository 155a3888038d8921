// Which kernel the VM boots: Debian's packaged one (extracted by
// .ci/install-vm.sh into the cache) or a user's own image and modules tree.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

export interface VmKernel {
  /** vmlinux (PVH entry) or bzImage, as QEMU's -kernel takes either. */
  image: string;
  /** ROOT such that ROOT/lib/modules/RELEASE holds the modules and modules.dep. */
  modulesRoot: string;
  release: string;
  /** What built it, for the results' metadata: the Debian package or the user's image path. */
  build: string;
}

export type Resolved<T> = { ok: true; value: T } | { ok: false; error: string };

/** Where install-vm.sh keeps the kernel (same rule as the script). */
export function vmCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PRIMECI_VM_CACHE) return env.PRIMECI_VM_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'primeci', 'vm');
}

const INSTALL_HINT = 'run .ci/install-vm.sh (installs QEMU, busybox and Debian\'s kernel)';

export function packagedKernel(cacheDir = vmCacheDir()): Resolved<VmKernel> {
  const dir = join(cacheDir, 'kernel');
  if (!existsSync(join(dir, 'ready'))) {
    return { ok: false, error: `no packaged kernel in ${dir}: ${INSTALL_HINT}` };
  }
  const release = readFileSync(join(dir, 'release'), 'utf8').trim();
  const pkg = readFileSync(join(dir, 'package'), 'utf8').trim();
  return {
    ok: true,
    value: { image: join(dir, 'vmlinux'), modulesRoot: join(dir, 'root'), release, build: `debian:${pkg}` },
  };
}

/** A user's kernel: IMAGE plus DIR, either an INSTALL_MOD_PATH (DIR/lib/modules/R)
 * or the release folder itself (DIR = .../lib/modules/R, with modules.dep). */
export function userKernel(image: string, modules: string): Resolved<VmKernel> {
  const imagePath = resolve(image);
  if (!existsSync(imagePath) || !statSync(imagePath).isFile()) {
    return { ok: false, error: `--kernel ${image}: no such file` };
  }
  const dir = resolve(modules);
  if (existsSync(join(dir, 'modules.dep'))) {
    const release = basename(dir);
    const modulesRoot = dirname(dirname(dirname(dir)));
    if (join(modulesRoot, 'lib', 'modules', release) !== dir) {
      return { ok: false, error: `--modules ${modules}: a release folder must sit at ROOT/lib/modules/RELEASE` };
    }
    return { ok: true, value: { image: imagePath, modulesRoot, release, build: imagePath } };
  }
  const releases = existsSync(join(dir, 'lib', 'modules')) ? readdirSync(join(dir, 'lib', 'modules')) : [];
  if (releases.length !== 1) {
    return {
      ok: false,
      error: `--modules ${modules}: expected one release under lib/modules/ (found ${releases.length}); ` +
        'pass the INSTALL_MOD_PATH of `make modules_install` or its lib/modules/RELEASE folder',
    };
  }
  if (!existsSync(join(dir, 'lib', 'modules', releases[0], 'modules.dep'))) {
    return { ok: false, error: `--modules ${modules}: no modules.dep (run depmod -b ${dir} ${releases[0]})` };
  }
  return { ok: true, value: { image: imagePath, modulesRoot: dir, release: releases[0], build: imagePath } };
}
