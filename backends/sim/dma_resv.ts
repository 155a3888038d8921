// Reservation objects (drivers/dma-buf/dma-resv.c): the ww_mutex that
// serialises a buffer's users.
import { Mutex, mutexClass, mutex_lock, mutex_unlock } from './locking.ts';
import { WARN_ON } from './bug.ts';
import { current, type KGen } from './sched.ts';

/** Every reservation lock shares this ww_class, as in the kernel. */
const reservation_ww_class = mutexClass('reservation_ww_class_mutex');

export class DmaResv {
  readonly lock = new Mutex(reservation_ww_class);
}

/** dma_resv_lock(obj, NULL): without an acquire context a ww_mutex is a plain mutex. */
export function* dma_resv_lock(obj: DmaResv): KGen<void> {
  yield* mutex_lock(obj.lock);
}

export function dma_resv_unlock(obj: DmaResv): void {
  mutex_unlock(obj.lock);
}

/** dma_resv_assert_held: lockdep_assert_held on the reservation lock. */
export function dma_resv_assert_held(obj: DmaResv): void {
  WARN_ON(obj.lock.owner !== current(), 'dma_resv_assert_held: reservation lock not held');
}
