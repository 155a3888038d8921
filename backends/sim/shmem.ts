// shmemfs files (mm/shmem.c): the pages behind GEM objects, and the files
// memfd_create hands to user space (their size, seals and mappings); and the
// allocation side of memory reclaim (mm/page_alloc.c): allocating with
// GFP_KERNEL may recurse into reclaim, which lockdep learns through the
// fs_reclaim map.
import type { PageSource } from './drm_gem.ts';
import { ERR, type KResult } from './errors.ts';
import { File, type FileOperations, type Whence } from './file.ts';
import { lock_map_acquire, lock_map_release } from './locking.ts';
import { PAGE_SIZE, type VmArea, type VmOperations } from './mm.ts';
import { current, type KGen } from './sched.ts';
import { F_SEALS } from '../uapi.ts';

/** A shmemfs file's pages: they appear (zeroed) on first use, so huge objects cost nothing until touched. */
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

  /** shmem_truncate_range: drop the pages from `index` on. */
  truncate(index: number): void {
    for (const i of [...this.pages.keys()]) if (i >= index) this.pages.delete(i);
  }
}

/** struct shmem_inode_info of a file opened through memfd_create. */
export class ShmemInode {
  i_size = 0;
  /** F_SEAL_* bits; a new shmem file is sealed against sealing until MFD_ALLOW_SEALING lifts it. */
  seals: number = F_SEALS.seal;
  /** mapping->i_mmap_writable: writable shared mappings (> 0), or denied by F_SEAL_WRITE (< 0). */
  i_mmap_writable = 0;
  /** Pages referenced from outside the page cache (udmabuf holds its pages this way). */
  pinned = 0;
  readonly mapping = new ShmemFile(Number.MAX_SAFE_INTEGER);
  constructor(readonly name: string) {}

  /** The pages the file's size covers. */
  get nr_pages(): number {
    return Math.ceil(this.i_size / PAGE_SIZE);
  }
}

export function shmem_file(file: File): ShmemInode | undefined {
  return file.f_op === shmem_file_operations ? (file.private_data as ShmemInode) : undefined;
}

/** shmem_read_mapping_page of a memfd: a page past i_size is -EINVAL (shmem_get_folio_gfp, SGP_CACHE). */
export function shmem_read_mapping_page(inode: ShmemInode, index: number): KResult<Uint8Array> {
  if (index >= inode.nr_pages) return ERR('EINVAL', `page ${index} is beyond the ${inode.i_size}-byte shmem file`);
  return inode.mapping.page(index);
}

/** shmem_setattr (ATTR_SIZE): seals refuse a shrink or a growth; shrinking drops the pages past the end. */
export function shmem_setattr_size(inode: ShmemInode, newsize: number): KResult<void> {
  const oldsize = inode.i_size;
  if ((newsize < oldsize && inode.seals & F_SEALS.shrink) || (newsize > oldsize && inode.seals & F_SEALS.grow)) {
    return ERR('EPERM', `F_SEAL_${newsize < oldsize ? 'SHRINK' : 'GROW'} forbids resizing from ${oldsize} to ${newsize} bytes`);
  }
  inode.i_size = newsize;
  if (newsize < oldsize) inode.mapping.truncate(Math.ceil(newsize / PAGE_SIZE));
}

function* shmem_fault(vma: VmArea, index: number): KGen<KResult<Uint8Array>> {
  const inode = vma.vm_private_data as ShmemInode;
  const ret = shmem_read_mapping_page(inode, vma.vm_pgoff + index);
  return ret instanceof Uint8Array ? ret : ERR('EFAULT', 'SIGBUS: page beyond the end of the shmem file');
}

/** A shared writable mapping keeps the file writable (mapping_map_writable) until it goes. */
function* shmem_vm_close(vma: VmArea): KGen<void> {
  if (vma.write) (vma.vm_private_data as ShmemInode).i_mmap_writable--;
}

const shmem_vm_ops: VmOperations = {
  open: (vma) => {
    if (vma.write) (vma.vm_private_data as ShmemInode).i_mmap_writable++;
  },
  close: shmem_vm_close,
  fault: shmem_fault,
};

/**
 * shmem_mmap: seal_check_write refuses a shared writable mapping under
 * F_SEAL_WRITE or F_SEAL_FUTURE_WRITE; mmap_region's mapping_map_writable
 * counts the writable mapping.
 */
function* shmem_mmap(file: File, vma: VmArea): KGen<KResult<void>> {
  const inode = file.private_data as ShmemInode;
  if (vma.write && inode.seals & (F_SEALS.write | F_SEALS.future_write)) {
    return ERR('EPERM', 'a write seal forbids a shared writable mapping');
  }
  vma.vm_ops = shmem_vm_ops;
  vma.vm_private_data = inode;
  if (vma.write) inode.i_mmap_writable++;
}

/** generic_file_llseek over i_size. */
function shmem_file_llseek(file: File, offset: number, whence: Whence): KResult<number> {
  const base = whence === 'set' ? 0 : whence === 'cur' ? file.f_pos : (file.private_data as ShmemInode).i_size;
  if (base + offset < 0) return ERR('EINVAL', `seek to ${base + offset}`);
  file.f_pos = base + offset;
  return file.f_pos;
}

export const shmem_file_operations: FileOperations = {
  name: 'shmem',
  mmap: shmem_mmap,
  llseek: shmem_file_llseek,
};

/** shmem_file_setup: a new, empty, unlinked shmem file opened O_RDWR. */
export function shmem_file_setup(name: string): File {
  return new File(shmem_file_operations, new ShmemInode(name), { read: true, write: true }, 0o2);
}

/** might_alloc(GFP_KERNEL) -> fs_reclaim_acquire/release: teach lockdep that reclaim may run here. */
export function might_alloc(): void {
  const map = current().kernel.fs_reclaim;
  lock_map_acquire(map);
  lock_map_release(map);
}
