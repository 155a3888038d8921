// Debian's packaged kernel, as .ci/install-vm.sh extracts it: the image the
// VM boots, its modules tree and its config. The module path of a kernel build
// starts from this tree.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { vmCacheDir } from './paths.ts';
import type { Resolved } from './resolved.ts';

export interface PackagedKernel {
  /** vmlinux (PVH entry), decompressed from the package's bzImage. */
  image: string;
  /** ROOT with ROOT/lib/modules/RELEASE. */
  modulesRoot: string;
  release: string;
  /** The Debian package, e.g. linux-image-6.1.0-57-amd64. */
  package: string;
  /** The kernel's .config (the package's /boot/config-RELEASE). */
  config: string;
}


const INSTALL_HINT = "run .ci/install-vm.sh (installs QEMU, busybox and Debian's kernel)";

export function packagedKernel(cacheDir = vmCacheDir()): Resolved<PackagedKernel> {
  const dir = join(cacheDir, 'kernel');
  if (!existsSync(join(dir, 'ready'))) {
    return { ok: false, error: `no packaged kernel in ${dir}: ${INSTALL_HINT}` };
  }
  const release = readFileSync(join(dir, 'release'), 'utf8').trim();
  const root = join(dir, 'root');
  return {
    ok: true,
    value: {
      image: join(dir, 'vmlinux'),
      modulesRoot: root,
      release,
      package: readFileSync(join(dir, 'package'), 'utf8').trim(),
      config: join(root, 'boot', `config-${release}`),
    },
  };
}
