// Reservation objects (drivers/dma-buf/dma-resv.c): the ww_mutex that
// serialises a buffer's users, and its fences, each with a usage. A query
// for usage U sees every fence of usage U or stronger: KERNEL < WRITE < READ
// < BOOKKEEP, so waiting "for READ" waits for writers and readers both.
import { WARN_ON } from './bug.ts';
import { DmaFence, DmaFenceArray, dma_fence_is_later, dma_fence_unwrap } from './dma_fence.ts';
import type { Kernel } from './kernel.ts';
import { Mutex, mutexClass, mutex_lock, mutex_unlock } from './locking.ts';
import { current, wait_event, type KGen } from './sched.ts';

/** Every reservation lock shares this ww_class, as in the kernel. */
const reservation_ww_class = mutexClass('reservation_ww_class_mutex');

export const DMA_RESV_USAGE = ['kernel', 'write', 'read', 'bookkeep'] as const;
export type DmaResvUsage = (typeof DMA_RESV_USAGE)[number];

const rank = (usage: DmaResvUsage) => DMA_RESV_USAGE.indexOf(usage);

export interface ResvFence {
  fence: DmaFence;
  usage: DmaResvUsage;
}

export class DmaResv {
  readonly lock = new Mutex(reservation_ww_class);
  /** In the order added (the pre-5.14 exclusive/shared view is derived from it). */
  fences: ResvFence[] = [];
}

/** dma_resv_lock(obj, NULL): without an acquire context a ww_mutex is a plain mutex. */
export function* dma_resv_lock(obj: DmaResv): KGen<void> {
  yield* mutex_lock(obj.lock);
}

/** dma_resv_trylock: never sleeps; lockdep records it as held but learns no order from it. */
export function dma_resv_trylock(obj: DmaResv): boolean {
  if (obj.lock.owner) return false;
  const task = current();
  task.kernel.lockdep.acquire(task, obj.lock, false, true);
  obj.lock.owner = task;
  return true;
}

export function dma_resv_unlock(obj: DmaResv): void {
  mutex_unlock(obj.lock);
}

/** dma_resv_assert_held: lockdep_assert_held on the reservation lock. */
export function dma_resv_assert_held(obj: DmaResv): void {
  WARN_ON(obj.lock.owner !== current(), 'dma_resv_assert_held: reservation lock not held');
}

/** dma_resv_usage_rw: a writer waits for everyone (READ), a reader for writers (WRITE). */
export function dma_resv_usage_rw(write: boolean): DmaResvUsage {
  return write ? 'read' : 'write';
}

/**
 * dma_resv_add_fence: replaces a fence of the same context it supersedes, and
 * drops signalled ones, as the kernel's slot reuse does. Caller holds the lock.
 */
export function dma_resv_add_fence(obj: DmaResv, fence: DmaFence, usage: DmaResvUsage): void {
  dma_resv_assert_held(obj);
  for (const leaf of dma_fence_unwrap(fence)) {
    obj.fences = obj.fences.filter((old) =>
      !(old.fence.signaled ||
        (old.fence.context === leaf.context && rank(old.usage) >= rank(usage) && !dma_fence_is_later(old.fence, leaf))));
    obj.fences.push({ fence: leaf, usage });
  }
}

/** dma_resv_iter with a usage: the fences a waiter of that usage waits for. */
export function dma_resv_fences(obj: DmaResv, usage: DmaResvUsage): DmaFence[] {
  return obj.fences.filter((f) => rank(f.usage) <= rank(usage)).map((f) => f.fence);
}

export function dma_resv_test_signaled(obj: DmaResv, usage: DmaResvUsage): boolean {
  return dma_resv_fences(obj, usage).every((f) => f.signaled);
}

/** dma_resv_get_singleton: null without fences, the fence itself, or an array of them. */
export function dma_resv_get_singleton(kernel: Kernel, obj: DmaResv, usage: DmaResvUsage): DmaFence | null {
  const fences = dma_resv_fences(obj, usage);
  if (fences.length === 0) return null;
  if (fences.length === 1) return fences[0];
  return new DmaFenceArray(kernel, fences);
}

/** dma_resv_wait_timeout: true when every fence of the usage signalled in time (µs; undefined: forever). */
export function* dma_resv_wait_timeout(obj: DmaResv, usage: DmaResvUsage, timeout_us: number | undefined): KGen<boolean> {
  const kernel = current().kernel;
  const deadline = timeout_us === undefined ? undefined : kernel.sched.now + timeout_us;
  return yield* wait_event({ what: `dma_resv_wait_timeout(${usage})`, ready: () => dma_resv_test_signaled(obj, usage), deadline });
}
