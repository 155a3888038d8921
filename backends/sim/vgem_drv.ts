// The virtual GEM driver (drivers/gpu/drm/vgem/vgem_drv.c): shmem-backed dumb
// buffers, PRIME, and software fences (vgem_fence.ts).
import type { DrmDevice, DrmDriver } from './drm_device.ts';
import type { DrmFile } from './drm_file.ts';
import { drm_gem_mmap_offset_bytes, drm_gem_object_lookup, drm_gem_object_put, type GemObject, type PageSource } from './drm_gem.ts';
import {
  __drm_gem_shmem_create, drm_gem_shmem_dumb_create, drm_gem_shmem_shrinker_init, drm_gem_shmem_funcs, drm_gem_shmem_get_pages,
  drm_gem_shmem_prime_import_sg_table, type DrmGemShmemObject,
} from './drm_gem_shmem_helper.ts';
import { ERR, IS_ERR, type KResult } from './errors.ts';
import type { VmArea } from './mm.ts';
import { current, type KGen } from './sched.ts';
import { vgem_fence_attach_ioctl, vgem_fence_close, vgem_fence_open, vgem_fence_signal_ioctl } from './vgem_fence.ts';

/** vgem_gem_dumb_map: only objects with their own shmemfs file can be mapped. */
function* vgem_gem_dumb_map(file: DrmFile, handle: number): KGen<KResult<number>> {
  const obj = drm_gem_object_lookup(file, handle);
  if (IS_ERR(obj)) return obj;
  let ret: KResult<number>;
  if (!(obj as DrmGemShmemObject).filp) ret = ERR('EINVAL', `GEM handle ${handle} is an imported dma-buf; map the dma-buf instead`);
  else ret = drm_gem_mmap_offset_bytes(obj);
  yield* drm_gem_object_put(obj);
  return ret;
}

/** vgem's own mmap of an object with a shmemfs file: its pages, never forwarded. */
function* vgem_gem_mmap(obj: GemObject, _vma: VmArea): KGen<KResult<void>> {
  const pages = yield* drm_gem_shmem_get_pages(obj as DrmGemShmemObject);
  if (IS_ERR(pages)) return pages;
}

const vgem_own_backing_funcs = { ...drm_gem_shmem_funcs, mmap: vgem_gem_mmap };

/**
 * vgem_prime_import_sg_table: since "drm/vgem: Do not allocate backing shmemfs
 * file for an import dmabuf object" an import has no shmemfs file; before it,
 * the import got one, and a mapping of it showed vgem's pages, not the data.
 */
function* vgem_prime_import_sg_table(dev: DrmDevice, size: number, sgt: PageSource): KGen<KResult<GemObject>> {
  if (!current().kernel.switches.vgem_import_shmem_backing) return yield* drm_gem_shmem_prime_import_sg_table(dev, size, sgt);
  const obj = __drm_gem_shmem_create(dev, size, false, vgem_own_backing_funcs);
  if (!IS_ERR(obj)) obj.sgt = sgt;
  return obj;
}

export const vgem_driver: DrmDriver = {
  name: 'vgem',
  module: 'vgem',
  // DRIVER_MAJOR / DRIVER_MINOR in vgem_drv.c
  major: 1,
  minor: 0,
  load: drm_gem_shmem_shrinker_init,
  dumb_create: drm_gem_shmem_dumb_create,
  dumb_map_offset: vgem_gem_dumb_map,
  gem_prime_import_sg_table: vgem_prime_import_sg_table,
  open: vgem_fence_open,
  postclose: vgem_fence_close,
  ioctls: {
    vgem_fence_attach: vgem_fence_attach_ioctl,
    vgem_fence_signal: vgem_fence_signal_ioctl,
  },
};
