// A process's address space (mm/mmap.c, mm/memory.c): mmap checks of the
// syscall, VMAs that hold their file, and page faults served by the driver's
// vm_ops. An access outside every mapping is EFAULT (the native backend does
// the same rather than take SIGSEGV).
import { ERR, IS_ERR, type KResult } from './errors.ts';
import { File, fput, get_file } from './file.ts';
import { down_read, down_write, RwSemaphore, up_read, up_write } from './locking.ts';
import type { KGen } from './sched.ts';

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;

export function PAGE_ALIGN(n: number): number {
  return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
}

export interface VmOperations {
  /** A new VMA shares this one's backing (fork). */
  open?(vma: VmArea): void;
  close?(vma: VmArea): KGen<void>;
  /** The page backing page `index` of the VMA (vmf->pgoff relative to vm_start). */
  fault(vma: VmArea, index: number): KGen<KResult<Uint8Array>>;
}

export class VmArea {
  vm_ops: VmOperations | undefined;
  vm_private_data: unknown;
  /** Faulted-in pages (the page table). */
  readonly ptes = new Map<number, Uint8Array>();
  constructor(
    public vm_file: File,
    readonly vm_start: number,
    readonly length: number,
    /** Offset in pages, as passed to mmap; drivers may rewrite it. */
    public vm_pgoff: number,
    readonly write: boolean,
    /** PROT_READ; PROT_WRITE implies it on x86, so only a PROT_NONE mapping faults on a load. */
    readonly read = true,
  ) {}
}

const MMAP_BASE = 0x7f0000000000;

export class Mm {
  readonly mmap_lock = new RwSemaphore('&mm->mmap_lock');
  readonly vmas = new Map<number, VmArea>();
  /** Where the next mapping goes; copied on fork with the rest of the layout. */
  mmap_base = MMAP_BASE;

  /** get_unmapped_area: a fresh range, never reused, so a stale address stays invalid. */
  unmappedArea(length: number): number {
    const addr = this.mmap_base;
    this.mmap_base += PAGE_ALIGN(length) + PAGE_SIZE;
    return addr;
  }
}

/** vm_mmap_pgoff: the generic checks of mmap(2) (do_mmap), then the file's mmap operation; `offset` is page aligned. */
export function* vm_mmap_pgoff(
  mm: Mm,
  file: File,
  length: number,
  offset: number,
  prot: { read: boolean; write: boolean },
): KGen<KResult<number>> {
  if (length === 0) return ERR('EINVAL', 'mmap length is 0');
  if (length < 0) return ERR('ENOMEM', `mmap length ${length} is larger than the address space`);
  // file_mmap_ok: a negative offset is a huge unsigned one, past any file's end, except for
  // FMODE_UNSIGNED_OFFSET files (DRM), whose mmap then finds no object there.
  if (offset < 0 && !file.mode.unsignedOffset) return ERR('EOVERFLOW', `mmap offset ${offset} is negative`);
  if (prot.write && !file.mode.write) return ERR('EACCES', 'PROT_WRITE on a file not opened for writing');
  if (prot.read && !file.mode.read) return ERR('EACCES', 'PROT_READ on a file not opened for reading');
  if (!file.f_op.mmap) return ERR('ENODEV', `${file.f_op.name} files cannot be mapped`);
  const len = PAGE_ALIGN(length);
  yield* down_write(mm.mmap_lock);
  const vma = new VmArea(get_file(file), mm.unmappedArea(len), len, offset / PAGE_SIZE, prot.write, prot.read || prot.write);
  const ret = yield* file.f_op.mmap(file, vma);
  if (IS_ERR(ret)) {
    up_write(mm.mmap_lock);
    fput(vma.vm_file);
    return ret;
  }
  mm.vmas.set(vma.vm_start, vma);
  up_write(mm.mmap_lock);
  return vma.vm_start;
}

/** Replace a VMA's file (vma_set_file), as drivers forwarding mmap to another file do. */
export function* vma_set_file(vma: VmArea, file: File): KGen<void> {
  const old = vma.vm_file;
  vma.vm_file = get_file(file);
  fput(old);
}

function* remove_vma(vma: VmArea): KGen<void> {
  if (vma.vm_ops?.close) yield* vma.vm_ops.close(vma);
  fput(vma.vm_file);
}

/** munmap(2) of a whole mapping. */
export function* vm_munmap(mm: Mm, addr: number): KGen<KResult<void>> {
  yield* down_write(mm.mmap_lock);
  const vma = mm.vmas.get(addr);
  if (vma) mm.vmas.delete(addr);
  up_write(mm.mmap_lock);
  if (!vma) return ERR('EINVAL', `no mapping starts at ${addr}`);
  yield* remove_vma(vma);
}

/** exit_mmap: tear down every mapping of an exiting process. */
export function* exit_mmap(mm: Mm): KGen<void> {
  const vmas = [...mm.vmas.values()];
  mm.vmas.clear();
  for (const vma of vmas) yield* remove_vma(vma);
}

/** dup_mmap (fork): the child gets the same shared mappings. */
export function dup_mmap(parent: Mm, child: Mm): void {
  child.mmap_base = parent.mmap_base;
  for (const vma of parent.vmas.values()) {
    const copy = new VmArea(get_file(vma.vm_file), vma.vm_start, vma.length, vma.vm_pgoff, vma.write, vma.read);
    copy.vm_ops = vma.vm_ops;
    copy.vm_private_data = vma.vm_private_data;
    copy.vm_ops?.open?.(copy);
    child.vmas.set(copy.vm_start, copy);
  }
}

/** Called for each page-sized piece of an access: `n` bytes at `pageOffset` of `page`, `done` bytes in. */
type PageVisitor = (page: Uint8Array, pageOffset: number, done: number, n: number) => void;

/** Apply `fn` to each page-sized piece of [offset, offset+length) of a mapping, faulting pages in. */
export function* access_mapping(
  mm: Mm,
  addr: number,
  offset: number,
  length: number,
  write: boolean,
  fn: PageVisitor,
): KGen<KResult<void>> {
  yield* down_read(mm.mmap_lock);
  const ret = yield* access_locked(mm, addr, offset, length, write, fn);
  up_read(mm.mmap_lock);
  return ret;
}

function* access_locked(
  mm: Mm,
  addr: number,
  offset: number,
  length: number,
  write: boolean,
  fn: PageVisitor,
): KGen<KResult<void>> {
  const vma = mm.vmas.get(addr);
  if (!vma) return ERR('EFAULT', `${addr} is not a mapping of this process`);
  if (offset < 0 || length < 0 || offset + length > vma.length) {
    return ERR('EFAULT', `bytes ${offset}..${offset + length} are outside the ${vma.length}-byte mapping`);
  }
  if (write && !vma.write) return ERR('EFAULT', 'write to a mapping without PROT_WRITE');
  if (!write && !vma.read) return ERR('EFAULT', 'load from a PROT_NONE mapping');
  let done = 0;
  while (done < length) {
    const pos = offset + done;
    const index = Math.floor(pos / PAGE_SIZE);
    let page = vma.ptes.get(index);
    if (!page) {
      const faulted = vma.vm_ops ? yield* vma.vm_ops.fault(vma, index) : ERR('EFAULT', 'no fault handler');
      if (IS_ERR(faulted)) return ERR('EFAULT', `page fault at page ${index}: ${faulted.detail ?? faulted.errno}`);
      page = faulted;
      vma.ptes.set(index, page);
    }
    const pageOffset = pos % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - pageOffset, length - done);
    fn(page, pageOffset, done, n);
    done += n;
  }
}
