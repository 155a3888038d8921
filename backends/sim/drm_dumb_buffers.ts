// Dumb buffers (drivers/gpu/drm/drm_dumb_buffers.c): the size checks common to
// every driver, in the kernel's u32 arithmetic, before the driver's dumb_create.
import type { DumbResult } from './drm_device.ts';
import type { DrmFile } from './drm_file.ts';
import { drm_gem_dumb_map_offset } from './drm_gem.ts';
import { ERR, type KResult } from './errors.ts';
import { PAGE_ALIGN } from './mm.ts';
import type { KGen } from './sched.ts';

const U32_MAX = 0xffffffff;

/** drm_mode_create_dumb */
export function* drm_mode_create_dumb_ioctl(
  file: DrmFile,
  args: { width: number; height: number; bpp: number },
): KGen<KResult<DumbResult>> {
  const driver = file.dev.driver;
  if (!driver.dumb_create) return ERR('ENOSYS', `${driver.name} has no dumb buffers`);
  const width = args.width >>> 0;
  const height = args.height >>> 0;
  const bpp = args.bpp >>> 0;
  if (!width || !height || !bpp) return ERR('EINVAL', 'dumb buffer width, height and bpp must be non-zero');
  if (bpp > U32_MAX - 8) return ERR('EINVAL', `bpp ${bpp} overflows`);
  const cpp = Math.ceil(bpp / 8);
  if (cpp > Math.floor(U32_MAX / width)) return ERR('EINVAL', `width ${width} x ${cpp} bytes overflows 32 bits`);
  const stride = cpp * width;
  if (height > Math.floor(U32_MAX / stride)) return ERR('EINVAL', `height ${height} x pitch ${stride} overflows 32 bits`);
  if (PAGE_ALIGN(height * stride) > U32_MAX) return ERR('EINVAL', 'dumb buffer size wraps around');
  return yield* driver.dumb_create(file, { width, height, bpp });
}

/** drm_mode_mmap_dumb_ioctl: the fake offset for mmap of the drm fd. */
export function* drm_mode_mmap_dumb_ioctl(file: DrmFile, handle: number): KGen<KResult<number>> {
  const driver = file.dev.driver;
  if (!driver.dumb_create) return ERR('ENOSYS', `${driver.name} has no dumb buffers`);
  if (driver.dumb_map_offset) return yield* driver.dumb_map_offset(file, handle);
  return yield* drm_gem_dumb_map_offset(file, handle);
}
