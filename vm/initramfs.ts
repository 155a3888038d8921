// The guest's initramfs: busybox, the host's node and the libraries it links,
// the kernel modules primeci needs, and vm/guest/init. Uncompressed (unpacking
// a gzipped one costs over a second under TCG) and cached: everything that
// changes per run (shared folders, the job) goes on the kernel command line.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Resolved, VmKernel } from './kernel.ts';

const INIT = fileURLToPath(new URL('./guest/init', import.meta.url));
const GUEST_MODULE_DIR = '/lib/modules/primeci';

/** Loaded in this order when the kernel has them: the 9p transport for the
 * shared folders, then every DRM / dma-buf driver the suites may require
 * (sw_sync, udmabuf, vkms and the heaps are kernel/extras/ modules on Debian's
 * 6.1). */
export const GUEST_MODULES = [
  'virtio_pci', '9pnet_virtio', '9p',
  'vgem', 'cirrus', 'vkms', 'udmabuf', 'virtio_gpu',
  'sw_sync', 'dma-heap', 'system_heap',
];

/** In the guest's module folder but not loaded at boot: a test loads them
 * (module_load, as IGT's igt_kmod_load does for the dma-buf selftests). */
export const GUEST_LOADABLE_MODULES = ['dmabuf_selftests'];

/** Module parameters the guest loads a module with. No fbdev: the console is
 * serial, and closing the last file of a DRM device restores the fbdev mode,
 * which turns on vkms's CRTC and its 60 Hz vblank hrtimer; under TCG that timer
 * runs late and the kernel warns "vkms_vblank_simulate: vblank timer overrun"
 * in whatever test runs next (a dmesg-warn). */
export const GUEST_MODULE_PARAMS: Readonly<Record<string, string>> = { drm_kms_helper: 'fbdev_emulation=0' };

/** A line of the guest's module list: the .ko in the guest, then its parameters. */
function moduleLine(guestKo: string): string {
  const params = GUEST_MODULE_PARAMS[basename(guestKo, '.ko').replaceAll('-', '_')];
  return params ? `${guestKo} ${params}` : guestKo;
}

/** The .ko files to insmod for `names`, dependencies first (modprobe
 * --show-depends against the kernel's modules.dep); absent or built-in ones are left out. */
export function moduleLoadOrder(kernel: VmKernel, names: readonly string[]): string[] {
  const order: string[] = [];
  for (const name of names) {
    const shown = spawnSync('modprobe', ['-d', kernel.modulesRoot, '-S', kernel.release, '--show-depends', name], {
      encoding: 'utf8',
    });
    if (shown.status !== 0) continue;
    for (const line of shown.stdout.split('\n')) {
      const ko = /^insmod (\S+)/.exec(line)?.[1];
      if (ko && !order.includes(ko)) order.push(ko);
    }
  }
  return order;
}

/** The shared libraries `ldd` lists for an executable (the loader included). */
function sharedLibraries(executable: string): Resolved<string[]> {
  const ldd = spawnSync('ldd', [executable], { encoding: 'utf8' });
  if (ldd.status !== 0) return { ok: false, error: `ldd ${executable}: ${ldd.stderr.trim() || 'failed'}` };
  const libs = [...ldd.stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]);
  return { ok: true, value: libs };
}

function which(tool: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

function fingerprint(files: string[], extra: unknown): string {
  const hash = createHash('sha256');
  for (const file of files) {
    const st = statSync(file);
    hash.update(`${file}:${st.size}:${st.mtimeMs}\n`);
  }
  hash.update(JSON.stringify(extra));
  hash.update(readFileSync(INIT));
  return hash.digest('hex').slice(0, 16);
}

/** Builds (or reuses from `cacheDir`) the initramfs for `kernel`; returns its path. */
export function buildInitramfs(kernel: VmKernel, cacheDir: string): Resolved<string> {
  const busybox = which('busybox');
  if (!busybox) return { ok: false, error: 'busybox not found: run .ci/install-vm.sh (busybox-static)' };
  if (sharedLibraries(busybox).ok) {
    return { ok: false, error: `${busybox} is dynamically linked: install busybox-static` };
  }
  const node = process.execPath;
  const libs = sharedLibraries(node);
  if (!libs.ok) return libs;
  const modules = moduleLoadOrder(kernel, GUEST_MODULES);
  if (!modules.some((ko) => basename(ko) === 'vgem.ko')) {
    return { ok: false, error: `kernel ${kernel.release} has no vgem module under ${kernel.modulesRoot}` };
  }
  const loadable = moduleLoadOrder(kernel, GUEST_LOADABLE_MODULES).filter((ko) => !modules.includes(ko));
  const key = fingerprint([busybox, node, ...libs.value, ...modules, ...loadable], {
    release: kernel.release, modules, loadable, GUEST_MODULE_PARAMS,
  });
  const out = join(cacheDir, `initramfs-${key}.cpio`);
  if (existsSync(out)) return { ok: true, value: out };

  const stage = mkdtempSync(join(tmpdir(), 'primeci-initramfs-'));
  try {
    const place = (from: string, to: string) => {
      mkdirSync(join(stage, dirname(to)), { recursive: true });
      copyFileSync(from, join(stage, to));
    };
    for (const dir of ['proc', 'sys', 'dev', 'tmp', 'etc/primeci', 'usr/bin']) mkdirSync(join(stage, dir), { recursive: true });
    place(busybox, '/bin/busybox');
    place(INIT, '/init');
    place(node, '/usr/bin/node');
    for (const lib of libs.value) place(lib, lib);
    const guestModules = modules.map((ko) => join(GUEST_MODULE_DIR, basename(ko)));
    modules.forEach((ko, i) => place(ko, guestModules[i]));
    for (const ko of loadable) place(ko, join(GUEST_MODULE_DIR, basename(ko)));
    writeFileSync(join(stage, 'etc/primeci/modules'), guestModules.map(moduleLine).join('\n') + '\n');
    mkdirSync(cacheDir, { recursive: true });
    const partial = `${out}.partial`;
    const cpio = spawnSync('sh', ['-c', `find . -print | cpio -o -H newc --quiet -R 0:0 > '${partial}'`], {
      cwd: stage,
      encoding: 'utf8',
    });
    if (cpio.status !== 0) return { ok: false, error: `cpio failed: ${cpio.stderr.trim()}` };
    renameSync(partial, out);
    return { ok: true, value: out };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
