// dma-buf objects and their file operations (drivers/dma-buf/dma-buf.c).
//
// Locking convention of the modelled profiles for mmap: with
// dma_buf_mmap_locking 'core' (6.2) dma_buf_mmap_internal and dma_buf_mmap
// take dmabuf->resv around the exporter's mmap; with 'none' (<= 6.1) and
// 'exporter' (the seed-000 fix) they take nothing and the exporter decides.
import { DmaResv, dma_resv_lock, dma_resv_unlock } from './dma_resv.ts';
import type { DrmDevice } from './drm_device.ts';
import { ERR, IS_ERR, type KResult } from './errors.ts';
import { File, fput, get_file, type FileOperations, type Whence } from './file.ts';
import type { PageSource } from './drm_gem.ts';
import { PAGE_SIZE, vma_set_file, type VmArea } from './mm.ts';
import { current, type KGen } from './sched.ts';

/** O_RDWR and O_CLOEXEC as DRM_RDWR / DRM_CLOEXEC carry them. */
export const O_RDWR = 0o2;
export const O_CLOEXEC = 0o2000000;

/** struct dma_buf_ops */
export interface DmaBufOps {
  attach?(dmabuf: DmaBuf, attach: DmaBufAttachment): KGen<KResult<void>>;
  detach?(dmabuf: DmaBuf, attach: DmaBufAttachment): KGen<void>;
  /** map_dma_buf: the exporter's pages as the importer's device sees them. */
  map_dma_buf(attach: DmaBufAttachment): KGen<KResult<PageSource>>;
  release(dmabuf: DmaBuf): KGen<void>;
  mmap?(dmabuf: DmaBuf, vma: VmArea): KGen<KResult<void>>;
}

export class DmaBufAttachment {
  constructor(
    readonly dmabuf: DmaBuf,
    /** The importing device. */
    readonly dev: DrmDevice,
  ) {}
}

let nextInode = 1000;

export class DmaBuf {
  file!: File;
  name = '';
  readonly attachments = new Set<DmaBufAttachment>();
  /** The inode number, to tell dma-bufs apart (stat st_ino). */
  readonly ino = nextInode++;

  constructor(
    readonly size: number,
    readonly ops: DmaBufOps,
    readonly priv: unknown,
    readonly resv: DmaResv,
    readonly exp_name: string,
    /** The exporting device, whose module the dma-buf pins. */
    readonly owner: DrmDevice,
  ) {}
}

export interface ExportInfo {
  size: number;
  ops: DmaBufOps;
  priv: unknown;
  /** The exporter's reservation object; a new one when absent. */
  resv?: DmaResv;
  exp_name: string;
  owner: DrmDevice;
  /** O_RDWR (and O_CLOEXEC, ignored here) as the exporter was asked. */
  flags: number;
}

export const dma_buf_fops: FileOperations = {
  name: 'dmabuf',
  release: dma_buf_file_release,
  llseek: dma_buf_llseek,
  mmap: dma_buf_mmap_internal,
};

export function is_dma_buf_file(file: File): boolean {
  return file.f_op === dma_buf_fops;
}

/** dma_buf_export: a new dma-buf with its anonymous file. */
export function dma_buf_export(info: ExportInfo): KResult<DmaBuf> {
  if (info.size <= 0 || info.size % PAGE_SIZE !== 0) return ERR('EINVAL', `cannot export ${info.size} bytes`);
  const dmabuf = new DmaBuf(info.size, info.ops, info.priv, info.resv ?? new DmaResv(), info.exp_name, info.owner);
  const rdwr = (info.flags & O_RDWR) !== 0;
  dmabuf.file = new File(dma_buf_fops, dmabuf, { read: true, write: rdwr }, info.flags & O_RDWR);
  info.owner.refs++;
  return dmabuf;
}

/** dma_buf_fd: a new fd in the caller's table for the dma-buf's file. */
export function dma_buf_fd(dmabuf: DmaBuf, flags: number): number {
  return current().process.files.install(dmabuf.file, (flags & O_CLOEXEC) !== 0);
}

/** dma_buf_get: a new reference from an fd; EBADF for no file, EINVAL for another kind. */
export function dma_buf_get(fd: number): KResult<DmaBuf> {
  const file = current().process.files.fdget(fd);
  if (IS_ERR(file)) return file;
  if (!is_dma_buf_file(file)) return ERR('EINVAL', `fd ${fd} is a ${file.f_op.name} file, not a dma-buf`);
  get_file(file);
  return file.private_data as DmaBuf;
}

export function get_dma_buf(dmabuf: DmaBuf): void {
  get_file(dmabuf.file);
}

export function dma_buf_put(dmabuf: DmaBuf): void {
  fput(dmabuf.file);
}

/** dma_buf_file_release -> dma_buf_release: the last reference is gone. */
function* dma_buf_file_release(file: File): KGen<void> {
  const dmabuf = file.private_data as DmaBuf;
  yield* dmabuf.ops.release(dmabuf);
  dmabuf.owner.refs--;
}

/** dma_buf_llseek: only SEEK_SET and SEEK_END with offset 0, to learn the size. */
export function dma_buf_llseek(file: File, offset: number, whence: Whence): KResult<number> {
  const dmabuf = file.private_data as DmaBuf;
  let base: number;
  if (whence === 'end') base = dmabuf.size;
  else if (whence === 'set') base = 0;
  else return ERR('EINVAL', 'dma-buf llseek supports only SEEK_SET and SEEK_END');
  if (offset !== 0) return ERR('EINVAL', `dma-buf llseek offset must be 0, got ${offset}`);
  return base;
}

function* callExporterMmap(dmabuf: DmaBuf, vma: VmArea): KGen<KResult<void>> {
  const coreLocks = current().kernel.switches.dma_buf_mmap_locking === 'core';
  if (coreLocks) yield* dma_resv_lock(dmabuf.resv);
  const ret = yield* dmabuf.ops.mmap!(dmabuf, vma);
  if (coreLocks) dma_resv_unlock(dmabuf.resv);
  return ret;
}

/** dma_buf_mmap_internal: mmap(2) of a dma-buf fd. */
function* dma_buf_mmap_internal(file: File, vma: VmArea): KGen<KResult<void>> {
  const dmabuf = file.private_data as DmaBuf;
  if (!dmabuf.ops.mmap) return ERR('EINVAL', 'the exporter does not support mmap');
  if (vma.vm_pgoff + vma.length / PAGE_SIZE > dmabuf.size / PAGE_SIZE) {
    return ERR('EINVAL', `mapping ${vma.length} bytes at offset ${vma.vm_pgoff * PAGE_SIZE} overflows the ${dmabuf.size}-byte dma-buf`);
  }
  return yield* callExporterMmap(dmabuf, vma);
}

/** dma_buf_mmap: an importer forwards a mapping of its object to the exporter. */
export function* dma_buf_mmap(dmabuf: DmaBuf, vma: VmArea, pgoff: number): KGen<KResult<void>> {
  if (!dmabuf.ops.mmap) return ERR('EINVAL', 'the exporter does not support mmap');
  if (pgoff + vma.length / PAGE_SIZE > dmabuf.size / PAGE_SIZE) {
    return ERR('EINVAL', `mapping ${vma.length} bytes at page ${pgoff} overflows the ${dmabuf.size}-byte dma-buf`);
  }
  vma_set_file(vma, dmabuf.file);
  vma.vm_pgoff = pgoff;
  return yield* callExporterMmap(dmabuf, vma);
}

/** dma_buf_attach: an importing device attaches to the buffer. */
export function* dma_buf_attach(dmabuf: DmaBuf, dev: DrmDevice): KGen<KResult<DmaBufAttachment>> {
  const attach = new DmaBufAttachment(dmabuf, dev);
  if (dmabuf.ops.attach) {
    const ret = yield* dmabuf.ops.attach(dmabuf, attach);
    if (IS_ERR(ret)) return ret;
  }
  dmabuf.attachments.add(attach);
  return attach;
}

export function* dma_buf_detach(dmabuf: DmaBuf, attach: DmaBufAttachment): KGen<void> {
  dmabuf.attachments.delete(attach);
  if (dmabuf.ops.detach) yield* dmabuf.ops.detach(dmabuf, attach);
}

/** dma_buf_map_attachment */
export function* dma_buf_map_attachment(attach: DmaBufAttachment): KGen<KResult<PageSource>> {
  return yield* attach.dmabuf.ops.map_dma_buf(attach);
}
