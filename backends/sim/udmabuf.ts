// udmabuf (drivers/dma-buf/udmabuf.c, as in 6.1): /dev/udmabuf turns page
// ranges of sealed memfds into a dma-buf. The dma-buf holds a reference on
// each page (so F_SEAL_WRITE can no longer be added) and maps them; it has no
// vmap in 6.1, and its end_cpu_access refuses until a begin_cpu_access built
// the scatterlist.
import type { Value } from '../backend.ts';
import { flagBits, F_SEALS, O_CLOEXEC, O_RDWR, UDMABUF_FLAGS } from '../uapi.ts';
import { dma_buf_export, dma_buf_fd, type DmaBuf, type DmaBufOps, type DmaBufOwner } from './dma_buf.ts';
import { ERR, IS_ERR, type KResult } from './errors.ts';
import { File, type FileOperations } from './file.ts';
import type { Kernel } from './kernel.ts';
import { PAGE_SIZE, type VmArea, type VmOperations } from './mm.ts';
import { current, type KGen } from './sched.ts';
import { shmem_file, shmem_read_mapping_page, type ShmemInode } from './shmem.ts';

/** Module parameters list_limit and size_limit_mb, at their defaults. */
const LIST_LIMIT = 1024;
const SIZE_LIMIT_MB = 64;
/** SEALS_WANTED and SEALS_DENIED */
const SEALS_WANTED = F_SEALS.shrink;
const SEALS_DENIED = F_SEALS.write | F_SEALS.future_write;

export interface UdmabufItem {
  memfd: number;
  offset: number;
  size: number;
}

/** struct udmabuf: the pages, each with the shmem file it pins. */
class Udmabuf {
  /** ubuf->sg: built by the first begin_cpu_access (or an importer's map). */
  sg = false;
  constructor(readonly pages: { inode: ShmemInode; page: Uint8Array }[]) {}

  page(index: number): Uint8Array {
    return this.pages[index].page;
  }
}

/** The misc device: what a udmabuf dma-buf pins. */
class UdmabufDevice implements DmaBufOwner {
  refs = 0;
  constructor(readonly kernel: Kernel) {}
}

const udmabuf_vm_ops: VmOperations = {
  *fault(vma: VmArea, index: number) {
    const ubuf = vma.vm_private_data as Udmabuf;
    const pgoff = vma.vm_pgoff + index;
    return pgoff < ubuf.pages.length ? ubuf.page(pgoff) : ERR('EFAULT', 'SIGBUS: beyond the udmabuf');
  },
};

const udmabuf_ops: DmaBufOps = {
  *map_dma_buf(attach) {
    return attach.dmabuf.priv as Udmabuf;
  },
  /** release_udmabuf: put_page of every page. */
  *release(dmabuf: DmaBuf) {
    for (const { inode } of (dmabuf.priv as Udmabuf).pages) inode.pinned--;
  },
  /** mmap_udmabuf: shared mappings only (always the case here). */
  *mmap(dmabuf: DmaBuf, vma: VmArea) {
    vma.vm_ops = udmabuf_vm_ops;
    vma.vm_private_data = dmabuf.priv;
  },
  *begin_cpu_access(dmabuf: DmaBuf) {
    (dmabuf.priv as Udmabuf).sg = true;
  },
  /** end_cpu_access_udmabuf: -EINVAL without the scatterlist of a begin. */
  *end_cpu_access(dmabuf: DmaBuf) {
    if (!(dmabuf.priv as Udmabuf).sg) return ERR('EINVAL', 'udmabuf: DMA_BUF_SYNC_END without a SYNC_START first');
  },
};

/** Every check of udmabuf_create, in its order; the errno of the first that fails. */
function udmabuf_create(dev: UdmabufDevice, flags: number, list: readonly UdmabufItem[]): KResult<number> {
  const pglimit = (SIZE_LIMIT_MB * 1024 * 1024) / PAGE_SIZE;
  let pagecount = 0;
  for (const item of list) {
    // offset and size are __u64: a negative one is no size at all (the native backend refuses it before the ioctl)
    if (item.offset < 0 || item.size < 0) return ERR('EINVAL', 'offset and size are unsigned 64-bit values');
    if (item.offset % PAGE_SIZE !== 0) return ERR('EINVAL', `offset ${item.offset} is not page aligned`);
    if (item.size % PAGE_SIZE !== 0) return ERR('EINVAL', `size ${item.size} is not a multiple of the page size`);
    pagecount += item.size / PAGE_SIZE;
    if (pagecount > pglimit) return ERR('EINVAL', `more than size_limit_mb (${SIZE_LIMIT_MB} MiB)`);
  }
  if (pagecount === 0) return ERR('EINVAL', 'a udmabuf of no pages');
  const pages: Udmabuf['pages'] = [];
  const fail = (err: KResult<never>) => {
    for (const { inode } of pages) inode.pinned--;
    return err;
  };
  for (const item of list) {
    const file = current().process.files.fdget(item.memfd);
    if (IS_ERR(file)) return fail(ERR('EBADFD', `memfd ${item.memfd} is not open`));
    const inode = shmem_file(file);
    if (!inode) return fail(ERR('EBADFD', `fd ${item.memfd} is a ${file.f_op.name} file, not a shmem one`));
    if ((inode.seals & SEALS_WANTED) !== SEALS_WANTED || (inode.seals & SEALS_DENIED) !== 0) {
      return fail(ERR('EINVAL', 'the memfd needs F_SEAL_SHRINK and no write seal'));
    }
    const pgoff = item.offset / PAGE_SIZE;
    for (let i = 0; i < item.size / PAGE_SIZE; i++) {
      const page = shmem_read_mapping_page(inode, pgoff + i);
      if (IS_ERR(page)) return fail(page);
      inode.pinned++;
      pages.push({ inode, page });
    }
  }
  const dmabuf = dma_buf_export({
    size: pagecount * PAGE_SIZE,
    ops: udmabuf_ops,
    priv: new Udmabuf(pages),
    exp_name: 'udmabuf',
    owner: dev,
    flags: O_RDWR,
  });
  if (IS_ERR(dmabuf)) return fail(dmabuf);
  return dma_buf_fd(dmabuf, flags & UDMABUF_FLAGS.cloexec ? O_CLOEXEC : 0);
}

function* udmabuf_ioctl(file: File, op: string, args: Readonly<Record<string, unknown>>): KGen<KResult<Value>> {
  const dev = file.private_data as UdmabufDevice;
  const flags = flagBits(UDMABUF_FLAGS, args.flags as number | 'cloexec'[] | undefined);
  if (op === 'udmabuf_create') {
    const { memfd, offset, size } = args as unknown as UdmabufItem;
    return udmabuf_create(dev, flags, [{ memfd, offset, size }]);
  }
  if (op === 'udmabuf_create_list') {
    const items = args.items as UdmabufItem[];
    if (items.length > LIST_LIMIT) return ERR('EINVAL', `more than list_limit (${LIST_LIMIT}) items`);
    return udmabuf_create(dev, flags, items);
  }
  return ERR('ENOTTY', `udmabuf has no ${op} ioctl`);
}

const udmabuf_fops: FileOperations = { name: 'udmabuf', ioctl: udmabuf_ioctl };

/** udmabuf_dev_init: misc_register of /dev/udmabuf. */
export function udmabuf_dev_init(kernel: Kernel): void {
  const dev = new UdmabufDevice(kernel);
  kernel.chardevs.set('/dev/udmabuf', () => new File(udmabuf_fops, dev, { read: true, write: true }, O_RDWR));
}
