// i915 userptr objects (drivers/gpu/drm/i915/gem/i915_gem_userptr.c): a GEM
// object over pages of the calling process's own memory. It has no shmem file
// behind it, and since the userptr rework (v5.13) i915 refuses to export one
// as a dma-buf (i915_gem_userptr_dmabuf_export).
import type { Value } from '../backend.ts';
import type { DrmFile } from './drm_file.ts';
import { GemObject, drm_gem_handle_create, drm_gem_object_put, drm_gem_object_release, type GemObjectFuncs } from './drm_gem.ts';
import { ERR, type KResult } from './errors.ts';
import { PAGE_SIZE } from './mm.ts';
import { current, type KGen } from './sched.ts';
import { ShmemFile } from './shmem.ts';

/** I915_USERPTR_READ_ONLY and I915_USERPTR_UNSYNCHRONIZED (uapi/drm/i915_drm.h). */
const I915_USERPTR_READ_ONLY = 0x1;
const I915_USERPTR_UNSYNCHRONIZED = 0x80000000;
const KERN_DEBUG = 7;

/** The user's pages: the process's anonymous memory the object was made over. */
const userPages = new WeakMap<GemObject, ShmemFile>();

const i915_gem_userptr_funcs: GemObjectFuncs = {
  *free(obj) {
    drm_gem_object_release(obj);
  },
  // i915_gem_userptr_dmabuf_export
  *export() {
    current().kernel.printk(KERN_DEBUG, '[drm:i915_gem_userptr_dmabuf_export] Exporting userptr no longer allowed');
    return ERR('EINVAL', 'exporting a userptr object is no longer allowed');
  },
  // No shmem file to map through (the GEM mmap offset paths refuse it).
  *mmap() {
    return ERR('ENODEV', 'a userptr object has no shmem file to map');
  },
  vm_ops: {
    *fault() {
      return ERR('EFAULT', 'a userptr object is never mapped');
    },
  },
  *get_pages(obj) {
    return userPages.get(obj) as ShmemFile;
  },
  *put_pages() {},
};

export function is_userptr(obj: GemObject): boolean {
  return obj.funcs === i915_gem_userptr_funcs;
}

/** i915_gem_userptr_ioctl: the size must be whole pages; unsynchronized userptr is refused. */
export function* i915_gem_userptr_ioctl(file: DrmFile, args: Readonly<Record<string, unknown>>): KGen<KResult<Value>> {
  const size = args.size as number;
  const flags = (args.flags as number | undefined) ?? 0;
  if (flags & ~(I915_USERPTR_READ_ONLY | I915_USERPTR_UNSYNCHRONIZED)) return ERR('EINVAL', `userptr flags ${flags}`);
  if (size <= 0 || size % PAGE_SIZE !== 0) return ERR('EINVAL', `userptr size ${size} is not whole pages`);
  if (flags & I915_USERPTR_UNSYNCHRONIZED) return ERR('ENODEV', 'unsynchronized userptr is not supported');
  const obj = new GemObject(file.dev, size, i915_gem_userptr_funcs);
  userPages.set(obj, new ShmemFile(size));
  const handle = yield* drm_gem_handle_create(file, obj);
  // The handle holds the object now; drop the creation reference.
  yield* drm_gem_object_put(obj);
  return handle;
}
