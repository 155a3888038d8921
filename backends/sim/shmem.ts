// shmemfs files backing GEM objects (mm/shmem.c), and the allocation side of
// memory reclaim (mm/page_alloc.c): allocating with GFP_KERNEL may recurse
// into reclaim, which lockdep learns through the fs_reclaim map.
import type { PageSource } from './drm_gem.ts';
import { lock_map_acquire, lock_map_release } from './locking.ts';
import { PAGE_SIZE } from './mm.ts';
import { current } from './sched.ts';

/** A shmemfs file: pages appear (zeroed) on first use, so huge objects cost nothing until touched. */
export class ShmemFile implements PageSource {
  private readonly pages = new Map<number, Uint8Array>();
  constructor(readonly size: number) {}

  /** shmem_read_mapping_page */
  page(index: number): Uint8Array {
    let page = this.pages.get(index);
    if (!page) {
      page = new Uint8Array(PAGE_SIZE);
      this.pages.set(index, page);
    }
    return page;
  }
}

/** might_alloc(GFP_KERNEL) -> fs_reclaim_acquire/release: teach lockdep that reclaim may run here. */
export function might_alloc(): void {
  const map = current().kernel.fs_reclaim;
  lock_map_acquire(map);
  lock_map_release(map);
}
