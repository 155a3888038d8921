// The system heap (drivers/dma-buf/heaps/system_heap.c): zeroed pages from the
// page allocator, mapped with remap_pfn_range, vmap-able, cache maintenance
// that never fails.
import { dma_buf_export, type DmaBuf, type DmaBufOps } from './dma_buf.ts';
import { dma_heap_add, type DmaHeap } from './dma_heap.ts';
import type { PageSource } from './drm_gem.ts';
import { ERR, type KResult } from './errors.ts';
import type { Kernel } from './kernel.ts';
import { PAGE_SIZE, type VmArea, type VmOperations } from './mm.ts';
import { might_alloc, ShmemFile } from './shmem.ts';
import type { KGen } from './sched.ts';

/** struct system_heap_buffer: its pages (zeroed on first touch, as alloc_pages(__GFP_ZERO) gives them). */
class SystemHeapBuffer {
  /** vmap_cnt */
  vmap_cnt = 0;
  readonly pages: PageSource;
  constructor(readonly len: number) {
    this.pages = new ShmemFile(len);
  }
}

/** The pages remap_pfn_range put in the VMA at mmap time. */
const system_heap_vm_ops: VmOperations = {
  *fault(vma: VmArea, index: number): KGen<KResult<Uint8Array>> {
    const buffer = vma.vm_private_data as SystemHeapBuffer;
    const pgoff = vma.vm_pgoff + index;
    return pgoff * PAGE_SIZE < buffer.len ? buffer.pages.page(pgoff) : ERR('EFAULT', 'SIGBUS: beyond the heap buffer');
  },
};

const system_heap_buf_ops: DmaBufOps = {
  *map_dma_buf(attach) {
    return (attach.dmabuf.priv as SystemHeapBuffer).pages;
  },
  *release() {},
  *mmap(dmabuf: DmaBuf, vma: VmArea) {
    vma.vm_ops = system_heap_vm_ops;
    vma.vm_private_data = dmabuf.priv;
  },
  *vmap(dmabuf: DmaBuf) {
    const buffer = dmabuf.priv as SystemHeapBuffer;
    buffer.vmap_cnt++;
    return buffer.pages;
  },
  *vunmap(dmabuf: DmaBuf) {
    (dmabuf.priv as SystemHeapBuffer).vmap_cnt--;
  },
  *begin_cpu_access() {},
  *end_cpu_access() {},
};

/** system_heap_allocate: the dma-buf's file is opened with the caller's fd_flags. */
function* system_heap_allocate(heap: DmaHeap, len: number, fd_flags: number): KGen<KResult<DmaBuf>> {
  might_alloc();
  return dma_buf_export({
    size: len,
    ops: system_heap_buf_ops,
    priv: new SystemHeapBuffer(len),
    exp_name: heap.name,
    owner: heap,
    flags: fd_flags,
  });
}

/** system_heap_create */
export function system_heap_create(kernel: Kernel): void {
  dma_heap_add(kernel, 'system', { allocate: system_heap_allocate });
}
