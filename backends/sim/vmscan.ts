// Direct reclaim (mm/vmscan.c): under memory pressure an allocating task runs
// the registered shrinkers inside the fs_reclaim lockdep map, so lockdep
// learns fs_reclaim -> every lock a shrinker (or what it frees) takes.
import { lock_map_acquire, lock_map_release } from './locking.ts';
import { current, type KGen } from './sched.ts';

export interface Shrinker {
  /** What the shrinker belongs to, for messages. */
  readonly name: string;
  /** The device that registered it (unregister_shrinker when it goes). */
  readonly owner: object;
  scan_objects(): KGen<number>;
}

/** try_to_free_pages -> shrink_slab: returns how many objects were freed or evicted. */
export function* try_to_free_pages(): KGen<number> {
  const kernel = current().kernel;
  lock_map_acquire(kernel.fs_reclaim);
  let freed = 0;
  for (const shrinker of kernel.shrinkers) freed += yield* shrinker.scan_objects();
  lock_map_release(kernel.fs_reclaim);
  return freed;
}
