// DRM ioctl dispatch (drivers/gpu/drm/drm_ioctl.c): the core ioctls, then the
// driver's own; permissions as drm_ioctl_permit checks them.
import type { Value } from '../backend.ts';
import { drm_mode_create_dumb_ioctl, drm_mode_mmap_dumb_ioctl } from './drm_dumb_buffers.ts';
import type { DrmFile } from './drm_file.ts';
import { drm_gem_flink_ioctl, drm_gem_handle_delete, drm_gem_open_ioctl } from './drm_gem.ts';
import { drm_gem_prime_fd_to_handle, drm_prime_handle_to_fd_ioctl, primeFlags } from './drm_prime.ts';
import { ERR, IS_ERR, type KResult } from './errors.ts';
import type { KGen } from './sched.ts';

type Args = Readonly<Record<string, unknown>>;

interface CoreIoctl {
  /** DRM_RENDER_ALLOW: render nodes may issue it. */
  render: boolean;
  /** DRM_MASTER: only the current master may issue it. */
  master?: boolean;
  func(file: DrmFile, args: Args): KGen<KResult<Value>>;
}

/** DRM_IF_MAJOR / DRM_IF_MINOR: the DRM interface version. */
const DRM_IF_MAJOR = 1;
const DRM_IF_MINOR = 4;

/** drm_setversion: check the requested versions (-1: none); report the device's either way. */
function* drm_setversion(file: DrmFile, args: Args): KGen<KResult<Value>> {
  const { di_major, di_minor, dd_major, dd_minor } = args as Record<string, number>;
  const driver = file.dev.driver;
  const offered = { di_major: DRM_IF_MAJOR, di_minor: DRM_IF_MINOR, dd_major: driver.major, dd_minor: driver.minor };
  if (di_major !== -1 && (di_major !== DRM_IF_MAJOR || di_minor < 0 || di_minor > DRM_IF_MINOR)) {
    return ERR('EINVAL', `interface ${di_major}.${di_minor} requested, the kernel has ${DRM_IF_MAJOR}.${DRM_IF_MINOR}`);
  }
  // drm_set_busid for di_minor >= 1 cannot fail for a platform device such as vgem.
  if (dd_major !== -1 && (dd_major !== driver.major || dd_minor < 0 || dd_minor > driver.minor)) {
    return ERR('EINVAL', `driver ${dd_major}.${dd_minor} requested, ${driver.name} is ${driver.major}.${driver.minor}`);
  }
  return offered;
}

function* nothing(ret: KGen<KResult<void>>): KGen<KResult<Value>> {
  const r = yield* ret;
  return IS_ERR(r) ? r : null;
}

/** drm_ioctls[]: the core ioctls primeci's ops reach, with their permission flags. */
const drm_ioctls: Record<string, CoreIoctl> = {
  create_dumb: {
    render: false,
    func: (f, a) => drm_mode_create_dumb_ioctl(f, a as { width: number; height: number; bpp: number }),
  },
  map_dumb: { render: false, func: (f, a) => drm_mode_mmap_dumb_ioctl(f, a.handle as number) },
  gem_close: { render: true, func: (f, a) => nothing(drm_gem_handle_delete(f, a.handle as number)) },
  gem_flink: { render: false, func: (f, a) => drm_gem_flink_ioctl(f, a.handle as number) },
  gem_open: { render: false, func: (f, a) => drm_gem_open_ioctl(f, a.name as number) },
  prime_handle_to_fd: {
    render: true,
    func: (f, a) => drm_prime_handle_to_fd_ioctl(f, a.handle as number, primeFlags(a.flags as number | string[] | undefined)),
  },
  prime_fd_to_handle: { render: true, func: (f, a) => drm_gem_prime_fd_to_handle(f, a.dmabuf as number) },
  set_version: { render: false, master: true, func: drm_setversion },
};

/** The ops whose ioctl numbers are not of type DRM_IOCTL_BASE ('d'): dma-buf 'b', sync_file '>', sw_sync 'W'. */
const FOREIGN_IOCTLS = new Set([
  'dmabuf_sync', 'dmabuf_set_name', 'dmabuf_export_sync_file', 'dmabuf_import_sync_file',
  'sync_file_merge', 'sync_file_info', 'sw_sync_fence_create', 'sw_sync_timeline_inc',
]);

/** drm_ioctl: another type's ioctl is ENOTTY; a DRM one neither the core nor the driver knows is EINVAL. */
export function* drm_ioctl(file: DrmFile, op: string, args: Args): KGen<KResult<Value>> {
  if (FOREIGN_IOCTLS.has(op)) return ERR('ENOTTY', `${op} is not a DRM ioctl`);
  const core = Object.hasOwn(drm_ioctls, op) ? drm_ioctls[op] : undefined;
  if (core) {
    // drm_ioctl_permit
    if (core.master && file.dev.master !== file) return ERR('EACCES', `${op} needs the DRM master`);
    if (file.render && !core.render) return ERR('EACCES', `${op} is not allowed on a render node`);
    return yield* core.func(file, args);
  }
  const driverIoctl = Object.hasOwn(file.dev.driver.ioctls, op) ? file.dev.driver.ioctls[op] : undefined;
  if (!driverIoctl) return ERR('EINVAL', `${file.dev.driver.name} has no ioctl for ${op}`);
  return yield* driverIoctl(file, args);
}
