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
  func(file: DrmFile, args: Args): KGen<KResult<Value>>;
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
};

/** drm_ioctl: an ioctl neither the core nor the driver knows is EINVAL. */
export function* drm_ioctl(file: DrmFile, op: string, args: Args): KGen<KResult<Value>> {
  const core = Object.hasOwn(drm_ioctls, op) ? drm_ioctls[op] : undefined;
  if (core) {
    if (file.render && !core.render) return ERR('EACCES', `${op} is not allowed on a render node`);
    return yield* core.func(file, args);
  }
  const driverIoctl = Object.hasOwn(file.dev.driver.ioctls, op) ? file.dev.driver.ioctls[op] : undefined;
  if (!driverIoctl) return ERR('EINVAL', `${file.dev.driver.name} has no ioctl for ${op}`);
  return yield* driverIoctl(file, args);
}
