// Which kernel the VM boots: Debian's packaged one (extracted by
// .ci/install-vm.sh into the cache), a kernel folder from `primeci kernel
// build`, or a user's own image and modules tree.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { describeKernel, readKernelFolder, type KernelFolder, type KernelManifest } from '../kernel/manifest.ts';
import { packagedKernel as packaged } from '../kernel/packaged.ts';
import { vmCacheDir } from '../kernel/paths.ts';
import type { Resolved } from '../kernel/resolved.ts';
import { buildKernel } from '../kernel/build.ts';
import { KernelBuildError } from '../kernel/errors.ts';

export { vmCacheDir, type Resolved };

export interface VmKernel {
  /** vmlinux (PVH entry) or bzImage, as QEMU's -kernel takes either. */
  image: string;
  /** ROOT such that ROOT/lib/modules/RELEASE holds the modules and modules.dep. */
  modulesRoot: string;
  release: string;
  /** What built it, for the results' metadata: the Debian package, the kernel folder or the user's image path. */
  build: string;
  /** The kernel folder's manifest (source, config, patches), when it came from one. */
  manifest?: KernelManifest;
}

/** The default VM's kernel: Debian's, with the modules its config lacks built
 * (once; then from the cache). Without the kernel-build packages, Debian's
 * kernel as packaged, with the reason on stderr. */
export async function defaultKernel(progress: (line: string) => void): Promise<Resolved<VmKernel>> {
  try {
    const { folder } = await buildKernel({ patches: [], progress });
    return { ok: true, value: folderKernel(folder) };
  } catch (e) {
    if (!(e instanceof KernelBuildError)) throw e;
    progress(`no extra modules (${e.message}): booting Debian's kernel as packaged`);
    return packagedKernel();
  }
}

export function packagedKernel(cacheDir = vmCacheDir()): Resolved<VmKernel> {
  const found = packaged(cacheDir);
  if (!found.ok) return found;
  const { image, modulesRoot, release, package: pkg } = found.value;
  return { ok: true, value: { image, modulesRoot, release, build: `debian:${pkg}` } };
}

export function folderKernel(folder: KernelFolder): VmKernel {
  const m = folder.manifest;
  return { image: folder.image, modulesRoot: folder.modulesRoot, release: m.release, build: describeKernel(m), manifest: m };
}

/** --kernel-dir DIR: a folder `primeci kernel build` made. */
export function kernelDir(dir: string): Resolved<VmKernel> {
  const folder = readKernelFolder(dir);
  return folder.ok ? { ok: true, value: folderKernel(folder.value) } : { ok: false, error: `--kernel-dir ${folder.error}` };
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
