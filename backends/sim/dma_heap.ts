// The dma-buf heap framework (drivers/dma-buf/dma-heap.c): each heap is a
// character device /dev/dma_heap/NAME whose one ioctl allocates a dma-buf.
import type { Value } from '../backend.ts';
import { DMA_HEAP_FD_FLAGS, flagBits, O_ACCMODE, O_CLOEXEC, O_RDWR } from '../uapi.ts';
import { dma_buf_fd, type DmaBuf, type DmaBufOwner } from './dma_buf.ts';
import { ERR, IS_ERR, type KResult } from './errors.ts';
import { File, type FileOperations } from './file.ts';
import type { Kernel } from './kernel.ts';
import { PAGE_ALIGN } from './mm.ts';
import type { KGen } from './sched.ts';

/** DMA_HEAP_VALID_FD_FLAGS (DMA_HEAP_VALID_HEAP_FLAGS is 0: no heap flag exists). */
const DMA_HEAP_VALID_FD_FLAGS = O_CLOEXEC | O_ACCMODE;

/** struct dma_heap_ops */
export interface DmaHeapOps {
  allocate(heap: DmaHeap, len: number, fd_flags: number, heap_flags: number): KGen<KResult<DmaBuf>>;
}

/** struct dma_heap; its module is what its buffers pin. */
export class DmaHeap implements DmaBufOwner {
  refs = 0;
  constructor(readonly kernel: Kernel, readonly name: string, readonly ops: DmaHeapOps) {}
}

type Layout = 'current' | 'older' | 'newer';

/**
 * dma_heap_ioctl: the user's struct may be shorter or longer than the
 * kernel's; the kernel copies what both know and zero-fills the rest, so an
 * older 16-byte struct allocates with heap_flags 0 and a newer one's extra
 * bytes are ignored. Then dma_heap_ioctl_allocate's checks.
 */
function* dma_heap_ioctl(file: File, op: string, args: Readonly<Record<string, unknown>>): KGen<KResult<Value>> {
  if (op !== 'dma_heap_alloc') return ERR('ENOTTY', `a dma-heap has no ${op} ioctl`);
  const heap = file.private_data as DmaHeap;
  const layout = (args.layout as Layout | undefined) ?? 'current';
  const len = args.len as number;
  const fd_flags = flagBits(DMA_HEAP_FD_FLAGS, (args.fd_flags as number | undefined) ?? ['rdwr', 'cloexec']);
  const heap_flags = layout === 'older' ? 0 : (args.heap_flags as number | undefined) ?? 0;
  if (fd_flags & ~DMA_HEAP_VALID_FD_FLAGS) return ERR('EINVAL', `invalid fd_flags 0o${(fd_flags >>> 0).toString(8)}`);
  if (heap_flags !== 0) return ERR('EINVAL', `invalid heap_flags 0x${heap_flags.toString(16)}`);
  // len is a __u64: a negative one is refused as the native backend refuses it
  if (len < 0) return ERR('EINVAL', 'len is an unsigned 64-bit value');
  const aligned = PAGE_ALIGN(len);
  if (aligned === 0) return ERR('EINVAL', 'a zero-length allocation');
  const dmabuf = yield* heap.ops.allocate(heap, aligned, fd_flags, heap_flags);
  if (IS_ERR(dmabuf)) return dmabuf;
  return dma_buf_fd(dmabuf, fd_flags);
}

const dma_heap_fops: FileOperations = { name: 'dma_heap', ioctl: dma_heap_ioctl };

/** dma_heap_add: the heap's device node appears as /dev/dma_heap/NAME. */
export function dma_heap_add(kernel: Kernel, name: string, ops: DmaHeapOps): DmaHeap {
  const heap = new DmaHeap(kernel, name, ops);
  kernel.chardevs.set(`/dev/dma_heap/${name}`, () => new File(dma_heap_fops, heap, { read: true, write: true }, O_RDWR));
  return heap;
}
