// struct drm_device and struct drm_driver (drm_drv.c): what a DRM driver
// provides, and the per-device state the GEM and PRIME cores share.
import type { Value } from '../backend.ts';
import type { DmaBuf } from './dma_buf.ts';
import type { KResult } from './errors.ts';
import type { DrmFile } from './drm_file.ts';
import type { GemObject, PageSource } from './drm_gem.ts';
import type { Kernel } from './kernel.ts';
import { DrmMm } from './drm_mm.ts';
import { Mutex, mutexClass } from './locking.ts';
import { PAGE_SHIFT } from './mm.ts';
import type { KGen } from './sched.ts';

export interface DumbArgs {
  width: number;
  height: number;
  bpp: number;
}

export type DumbResult = { handle: number; pitch: number; size: number };

/** A driver-private ioctl: args as the scenario gave them, after the op schema. */
export type DriverIoctl = (file: DrmFile, args: Readonly<Record<string, unknown>>) => KGen<KResult<Value>>;

export interface DrmDriver {
  /** DRM_IOCTL_VERSION name. */
  readonly name: string;
  /** The kernel module providing it (for module unload). */
  readonly module: string;
  /** drm_driver.major / .minor: the driver interface version (DRM_IOCTL_VERSION, SET_VERSION). */
  readonly major: number;
  readonly minor: number;
  dumb_create?(file: DrmFile, args: DumbArgs): KGen<KResult<DumbResult>>;
  /** gem_prime_import; absent means drm_gem_prime_import. */
  gem_prime_import?(dev: DrmDevice, dmabuf: DmaBuf): KGen<KResult<GemObject>>;
  /** Build an object over a foreign dma-buf's pages (gem_prime_import_sg_table). */
  gem_prime_import_sg_table(dev: DrmDevice, size: number, sgt: PageSource): KGen<KResult<GemObject>>;
  /** dumb_map_offset; absent means drm_gem_dumb_map_offset. */
  dumb_map_offset?(file: DrmFile, handle: number): KGen<KResult<number>>;
  /** Driver ioctls by op name. */
  readonly ioctls: Readonly<Record<string, DriverIoctl>>;
  /** Called when the device registers (the driver's probe: shrinkers and such). */
  load?(dev: DrmDevice): void;
  /** Called when a drm_file is opened (drm_driver.open). */
  open?(file: DrmFile): void;
  /** Called on the last close of a drm_file (drm_driver.postclose). */
  postclose?(file: DrmFile): KGen<void>;
}

const object_name_lock_class = mutexClass('&dev->object_name_lock');
const struct_mutex_class = mutexClass('&dev->struct_mutex');

/** DRM_FILE_PAGE_OFFSET_START / _SIZE on 64-bit (drm_vma_manager.h): fake offsets start at 4 GiB. */
const DRM_FILE_PAGE_OFFSET_START = Math.floor(0xffffffff / 2 ** PAGE_SHIFT) + 1;
const DRM_FILE_PAGE_OFFSET_SIZE = Math.floor(0xffffffff / 2 ** PAGE_SHIFT) * 256;

export class DrmDevice {
  /** Flink names (dev->object_name_idr). */
  readonly object_name_idr = new Map<number, GemObject>();
  readonly object_name_lock = new Mutex(object_name_lock_class);
  readonly struct_mutex = new Mutex(struct_mutex_class);
  /** The vma offset manager (drm_gem_init): fake offset ranges, in pages, of the objects. */
  readonly vma_offset_manager = new DrmMm<GemObject>(DRM_FILE_PAGE_OFFSET_START, DRM_FILE_PAGE_OFFSET_SIZE);
  /** Objects whose pages are allocated, oldest first (the shrinker's LRU). */
  readonly lru = new Set<GemObject>();
  /** GEM objects alive on this device (debugfs object count). */
  object_count = 0;
  /** References that keep the driver module loaded: open files, dma-bufs, mappings. */
  refs = 0;
  /** dev->master: the primary-node file that is DRM master, if any. */
  master: DrmFile | null = null;
  /** dev->filelist: the open drm files, oldest first. */
  readonly filelist = new Set<DrmFile>();

  constructor(
    readonly kernel: Kernel,
    readonly driver: DrmDriver,
    readonly minor: number,
  ) {}

  get path(): string {
    return `/dev/dri/card${this.minor}`;
  }

  get renderPath(): string {
    return `/dev/dri/renderD${128 + this.minor}`;
  }

  /** idr_alloc(&dev->object_name_idr, obj, 1, 0) in drm_gem_flink_ioctl: the lowest free name. */
  allocName(obj: GemObject): number {
    let name = 1;
    while (this.object_name_idr.has(name)) name++;
    this.object_name_idr.set(name, obj);
    return name;
  }
}
