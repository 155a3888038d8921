// Open DRM files (drivers/gpu/drm/drm_file.c): each open of a device node is a
// drm_file with its own GEM handle namespace and PRIME cache.
import type { DrmDevice } from './drm_device.ts';
import { drm_gem_mmap, drm_gem_release, drmFileOf, type GemObject } from './drm_gem.ts';
import { drm_ioctl } from './drm_ioctl.ts';
import { DrmPrimeFilePrivate } from './drm_prime.ts';
import { File, noop_llseek, O_LARGEFILE, O_RDWR, type FileOperations } from './file.ts';
import { SpinLock, spinlockClass } from './locking.ts';
import { current, type KGen } from './sched.ts';

const table_lock_class = spinlockClass('&file_priv->table_lock');

export class DrmFile {
  /** Handle -> object; null while a GEM_CLOSE is tearing the handle down. */
  readonly object_idr = new Map<number, GemObject | null>();
  readonly table_lock = new SpinLock(table_lock_class);
  readonly prime = new DrmPrimeFilePrivate();
  readonly client_id: number;
  /** The opening process (drm_file.pid), for debugfs clients. */
  readonly tgid: number;
  readonly comm: string;
  /** The driver's per-file state (driver_priv), set by its open hook. */
  driver_priv: unknown;

  constructor(
    readonly dev: DrmDevice,
    /** Opened through the render node (renderD*), which allows fewer ioctls. */
    readonly render: boolean,
  ) {
    this.client_id = dev.kernel.allocClientId();
    this.tgid = current().process.pid;
    this.comm = current().process.comm;
  }

  /** idr_alloc(&file->object_idr, obj, 1, 0): the lowest free handle. */
  allocHandle(obj: GemObject): number {
    let handle = 1;
    while (this.object_idr.has(handle)) handle++;
    this.object_idr.set(handle, obj);
    return handle;
  }
}

/** drm_open: a new drm_file on the device. */
export function drm_open(dev: DrmDevice, render: boolean): File {
  dev.refs++;
  const priv = new DrmFile(dev, render);
  // drm_master_open: the first primary-node client becomes master
  if (!render && !dev.master) dev.master = priv;
  dev.filelist.add(priv);
  dev.driver.open?.(priv);
  // drm_open_helper: filp->f_mode |= FMODE_UNSIGNED_OFFSET
  return new File(drm_fops, priv, { read: true, write: true, unsignedOffset: true }, O_RDWR | O_LARGEFILE);
}

/** drm_release -> drm_file_free */
function* drm_release(file: File): KGen<void> {
  const priv = drmFileOf(file);
  yield* drm_gem_release(priv);
  if (priv.dev.driver.postclose) yield* priv.dev.driver.postclose(priv);
  // drm_master_release -> drm_drop_master
  if (priv.dev.master === priv) priv.dev.master = null;
  priv.dev.filelist.delete(priv);
  priv.dev.refs--;
}

/** drm_show_fdinfo (6.5+, "drm: Add common fdinfo helper"): the fields every DRM driver prints; none before. */
function drm_show_fdinfo(file: File): string[] {
  const priv = drmFileOf(file);
  if (!priv.dev.kernel.switches.drm_show_fdinfo) return [];
  return [
    `drm-driver:\t${priv.dev.driver.name}`,
    `drm-client-id:\t${priv.client_id}`,
  ];
}

export const drm_fops: FileOperations = {
  name: 'drm',
  release: drm_release,
  llseek: noop_llseek,
  mmap: (file, vma) => drm_gem_mmap(drmFileOf(file), vma),
  ioctl: (file, op, args) => drm_ioctl(drmFileOf(file), op, args),
  show_fdinfo: drm_show_fdinfo,
  // drm_poll: readable only with a queued DRM event, which nothing here sends.
  poll: () => 0,
};
