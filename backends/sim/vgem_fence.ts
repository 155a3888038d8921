// vgem software fences (drivers/gpu/drm/vgem/vgem_fence.c): user space
// attaches a fence to a buffer's reservation object and signals it later; an
// unsignalled fence signals itself after VGEM_FENCE_TIMEOUT.
import type { Value } from '../backend.ts';
import { DmaFence, dma_fence_context_alloc, dma_fence_is_signaled, dma_fence_signal, type DmaFenceOps } from './dma_fence.ts';
import {
  dma_resv_add_fence, dma_resv_lock, dma_resv_test_signaled, dma_resv_unlock, dma_resv_usage_rw,
} from './dma_resv.ts';
import type { DrmFile } from './drm_file.ts';
import { drm_gem_object_lookup, drm_gem_object_put } from './drm_gem.ts';
import { ERR, IS_ERR, type KResult } from './errors.ts';
import { Mutex, mutexClass, mutex_lock, mutex_unlock } from './locking.ts';
import { current, type KGen } from './sched.ts';

export const VGEM_FENCE_WRITE = 0x1;
/** VGEM_FENCE_TIMEOUT: 10 s, in virtual microseconds. */
export const VGEM_FENCE_TIMEOUT_US = 10_000_000;

const fence_mutex_class = mutexClass('&vfile->fence_mutex');

/** struct vgem_file: the per-file fence idr; a signalled id stays taken (NULL). */
export class VgemFile {
  readonly fence_mutex = new Mutex(fence_mutex_class);
  readonly fence_idr = new Map<number, DmaFence | null>();
  private next = 1;

  alloc(fence: DmaFence): number {
    const id = this.next++;
    this.fence_idr.set(id, fence);
    return id;
  }
}

const vgem_fence_ops: DmaFenceOps = {
  get_driver_name: () => 'vgem',
  get_timeline_name: () => 'unbound',
};

/** vgem_fence_create: its own context, seqno 1, and the timeout timer armed. */
function vgem_fence_create(): DmaFence {
  const kernel = current().kernel;
  const fence = new DmaFence(kernel, vgem_fence_ops, dma_fence_context_alloc(kernel), 1);
  // vgem_fence_timeout
  kernel.sched.addTimer(kernel.sched.now + VGEM_FENCE_TIMEOUT_US, () => dma_fence_signal(fence));
  return fence;
}

function vgemFileOf(file: DrmFile): VgemFile {
  return file.driver_priv as VgemFile;
}

/** vgem_fence_attach_ioctl: EBUSY when the buffer has a conflicting unsignalled fence. */
export function* vgem_fence_attach_ioctl(file: DrmFile, args: Readonly<Record<string, unknown>>): KGen<KResult<Value>> {
  const flags = typeof args.flags === 'number'
    ? args.flags
    : ((args.flags as string[] | undefined) ?? []).includes('write') ? VGEM_FENCE_WRITE : 0;
  if (flags & ~VGEM_FENCE_WRITE) return ERR('EINVAL', `invalid vgem fence flags 0x${(flags >>> 0).toString(16)}`);
  if (args.pad) return ERR('EINVAL', 'vgem fence pad must be 0');
  const obj = drm_gem_object_lookup(file, args.handle as number);
  if (IS_ERR(obj)) return obj;
  const write = (flags & VGEM_FENCE_WRITE) !== 0;
  const fence = vgem_fence_create();
  let ret: KResult<number>;
  // Check for a conflicting fence
  if (!dma_resv_test_signaled(obj.resv, dma_resv_usage_rw(write))) {
    ret = ERR('EBUSY', `the buffer has an unsignalled ${write ? '' : 'write '}fence`);
  } else {
    // Expose the fence via the dma-buf
    yield* dma_resv_lock(obj.resv);
    dma_resv_add_fence(obj.resv, fence, write ? 'write' : 'read');
    dma_resv_unlock(obj.resv);
    // Record the fence in our idr for later signaling
    const vfile = vgemFileOf(file);
    yield* mutex_lock(vfile.fence_mutex);
    ret = vfile.alloc(fence);
    mutex_unlock(vfile.fence_mutex);
  }
  if (IS_ERR(ret)) dma_fence_signal(fence);
  yield* drm_gem_object_put(obj);
  return ret;
}

/** vgem_fence_signal_ioctl: ENOENT for an unknown or used id; ETIMEDOUT if it had timed out. */
export function* vgem_fence_signal_ioctl(file: DrmFile, args: Readonly<Record<string, unknown>>): KGen<KResult<Value>> {
  if (args.flags) return ERR('EINVAL', 'vgem fence signal flags must be 0');
  const vfile = vgemFileOf(file);
  const id = args.fence as number;
  yield* mutex_lock(vfile.fence_mutex);
  const fence = vfile.fence_idr.get(id);
  if (fence) vfile.fence_idr.set(id, null);
  mutex_unlock(vfile.fence_mutex);
  if (!fence) return ERR('ENOENT', `no unsignalled vgem fence ${id} on this file`);
  const timedOut = dma_fence_is_signaled(fence);
  dma_fence_signal(fence);
  return timedOut ? ERR('ETIMEDOUT', `vgem fence ${id} had already timed out`) : null;
}

/** vgem_fence_open */
export function vgem_fence_open(file: DrmFile): void {
  file.driver_priv = new VgemFile();
}

/** vgem_fence_close: a closing file signals every fence it still holds. */
export function* vgem_fence_close(file: DrmFile): KGen<void> {
  for (const fence of vgemFileOf(file).fence_idr.values()) if (fence) dma_fence_signal(fence);
}
