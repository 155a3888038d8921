// dma-buf objects and their file operations (drivers/dma-buf/dma-buf.c).
//
// Locking convention of the modelled profiles for mmap: with
// dma_buf_mmap_locking 'core' (6.2) dma_buf_mmap_internal and dma_buf_mmap
// take dmabuf->resv around the exporter's mmap; with 'none' (<= 6.1) and
// 'exporter' (the seed-000 fix) they take nothing and the exporter decides.
// vmap is locked by the core on every version: dmabuf->lock on 6.1, the
// reservation lock since 6.2 (dma_buf_vmap_lock).
import type { Value } from '../backend.ts';
import { dma_fence_get_stub } from './dma_fence.ts';
import {
  DmaResv, dma_resv_add_fence, dma_resv_fences, dma_resv_get_singleton, dma_resv_lock, dma_resv_unlock,
  dma_resv_usage_rw, dma_resv_wait_timeout,
} from './dma_resv.ts';
import type { DrmDevice } from './drm_device.ts';
import type { Kernel } from './kernel.ts';
import { O_ACCMODE, O_CLOEXEC, O_RDWR, O_WRONLY } from '../uapi.ts';
import { ERR, IS_ERR, type KResult } from './errors.ts';
import { EPOLLIN, EPOLLOUT, File, fput, fput_any, get_file, type FileOperations, type Whence } from './file.ts';
import type { PageSource } from './drm_gem.ts';
import { Mutex, mutexClass, mutex_lock, mutex_unlock } from './locking.ts';
import { PAGE_SIZE, vma_set_file, type VmArea } from './mm.ts';
import { current, type KGen } from './sched.ts';
import { sync_file_create, sync_file_get_fence } from './sync_file.ts';

export { O_CLOEXEC, O_RDWR } from '../uapi.ts';
const O_RDONLY = 0;

/** struct dma_buf_ops */
export interface DmaBufOps {
  attach?(dmabuf: DmaBuf, attach: DmaBufAttachment): KGen<KResult<void>>;
  detach?(dmabuf: DmaBuf, attach: DmaBufAttachment): KGen<void>;
  /** map_dma_buf: the exporter's pages as the importer's device sees them. */
  map_dma_buf(attach: DmaBufAttachment): KGen<KResult<PageSource>>;
  release(dmabuf: DmaBuf): KGen<void>;
  mmap?(dmabuf: DmaBuf, vma: VmArea): KGen<KResult<void>>;
  /** A kernel virtual mapping of the whole buffer; absent: dma_buf_vmap is -EINVAL. */
  vmap?(dmabuf: DmaBuf): KGen<KResult<PageSource>>;
  vunmap?(dmabuf: DmaBuf): KGen<void>;
  /** DMA_BUF_IOCTL_SYNC start / end: the exporter's cache maintenance, which may refuse. */
  begin_cpu_access?(dmabuf: DmaBuf, direction: DmaDataDirection): KGen<KResult<void>>;
  end_cpu_access?(dmabuf: DmaBuf, direction: DmaDataDirection): KGen<KResult<void>>;
}

/** enum dma_data_direction, as DMA_BUF_IOCTL_SYNC derives it from READ / WRITE. */
export type DmaDataDirection = 'bidirectional' | 'to_device' | 'from_device';

/** What a dma-buf pins while it lives (exp_info->owner, THIS_MODULE): a DRM device, a misc device, a heap. */
export interface DmaBufOwner {
  readonly kernel: Kernel;
  /** References keeping the exporter's module loaded. */
  refs: number;
}

/** struct iosys_map: a kernel mapping; `pages` is gone once the exporter unmapped it. */
export interface DmaBufMap {
  pages: PageSource | undefined;
}

export class DmaBufAttachment {
  constructor(
    readonly dmabuf: DmaBuf,
    /** The importing device. */
    readonly dev: DrmDevice,
  ) {}
}

const dmabuf_lock_class = mutexClass('&dmabuf->lock');

export class DmaBuf {
  file!: File;
  /** dmabuf->lock: serialises vmap on 6.1. */
  readonly lock = new Mutex(dmabuf_lock_class);
  /** Set by DMA_BUF_SET_NAME (even to ""); none before. */
  name: string | undefined;
  readonly attachments = new Set<DmaBufAttachment>();
  /** dmabuf->vmapping_counter and dmabuf->vmap_ptr */
  vmapping_counter = 0;
  vmap_ptr: DmaBufMap | undefined;
  /** dmabuf->cb_in / cb_out: a poll callback waiting on a fence, one per direction. */
  readonly cb_in = { active: false };
  readonly cb_out = { active: false };
  /** The inode number, to tell dma-bufs apart (stat st_ino). */
  readonly ino: number;

  constructor(
    readonly size: number,
    readonly ops: DmaBufOps,
    readonly priv: unknown,
    readonly resv: DmaResv,
    readonly exp_name: string,
    /** The exporter, whose module the dma-buf pins. */
    readonly owner: DmaBufOwner,
  ) {
    this.ino = owner.kernel.allocInode();
  }
}

export interface ExportInfo {
  size: number;
  ops: DmaBufOps;
  priv: unknown;
  /** The exporter's reservation object; a new one when absent. */
  resv?: DmaResv;
  exp_name: string;
  owner: DmaBufOwner;
  /** The file's open flags: the access mode (O_CLOEXEC is the fd's, ignored here). */
  flags: number;
}

export function is_dma_buf_file(file: File): boolean {
  return file.f_op === dma_buf_fops;
}

/** dma_buf_export: a new dma-buf with its anonymous file. */
export function dma_buf_export(info: ExportInfo): KResult<DmaBuf> {
  if (info.size <= 0 || info.size % PAGE_SIZE !== 0) return ERR('EINVAL', `cannot export ${info.size} bytes`);
  const dmabuf = new DmaBuf(info.size, info.ops, info.priv, info.resv ?? new DmaResv(), info.exp_name, info.owner);
  // dma_buf_getfile -> alloc_file_pseudo: f_mode follows the access mode (OPEN_FMODE)
  const accmode = info.flags & O_ACCMODE;
  const mode = { read: accmode === O_RDONLY || accmode === O_RDWR, write: accmode === O_WRONLY || accmode === O_RDWR };
  dmabuf.file = new File(dma_buf_fops, dmabuf, mode, accmode);
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

/** The lock around vmap / vunmap: dmabuf->lock (6.1), or the reservation lock (dma_buf_vmap_unlocked, 6.2+). */
function* lockVmap(dmabuf: DmaBuf): KGen<void> {
  if (current().kernel.switches.dma_buf_vmap_lock === 'resv') yield* dma_resv_lock(dmabuf.resv);
  else yield* mutex_lock(dmabuf.lock);
}

function unlockVmap(dmabuf: DmaBuf): void {
  if (current().kernel.switches.dma_buf_vmap_lock === 'resv') dma_resv_unlock(dmabuf.resv);
  else mutex_unlock(dmabuf.lock);
}

/**
 * dma_buf_vmap: with vmap_refcount 'core' the dma-buf counts its users and
 * maps once; with 'driver' every call goes to the exporter, which (like the
 * 2012 helpers) keeps no count, so the first vunmap tears the mapping down
 * under the other users.
 */
export function* dma_buf_vmap(dmabuf: DmaBuf): KGen<KResult<DmaBufMap>> {
  const switches = current().kernel.switches;
  yield* lockVmap(dmabuf);
  let ret: KResult<DmaBufMap>;
  if (switches.vmap_refcount === 'core' && dmabuf.vmapping_counter > 0) {
    dmabuf.vmapping_counter++;
    ret = dmabuf.vmap_ptr!;
  } else if (!dmabuf.ops.vmap) {
    ret = ERR('EINVAL', `the ${dmabuf.exp_name} exporter has no vmap`);
  } else {
    const pages = yield* dmabuf.ops.vmap(dmabuf);
    if (IS_ERR(pages)) {
      ret = pages;
    } else {
      dmabuf.vmapping_counter++;
      ret = dmabuf.vmap_ptr = { pages };
    }
  }
  unlockVmap(dmabuf);
  return ret;
}

/** dma_buf_vunmap */
export function* dma_buf_vunmap(dmabuf: DmaBuf, map: DmaBufMap): KGen<void> {
  const switches = current().kernel.switches;
  yield* lockVmap(dmabuf);
  if (switches.vmap_refcount === 'driver' || --dmabuf.vmapping_counter === 0) {
    yield* dmabuf.ops.vunmap!(dmabuf);
    map.pages = undefined;
    if (dmabuf.vmap_ptr) dmabuf.vmap_ptr.pages = undefined;
    if (switches.vmap_refcount === 'driver') dmabuf.vmapping_counter--;
    dmabuf.vmap_ptr = undefined;
  }
  unlockVmap(dmabuf);
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

/** DMA_BUF_SYNC_* and the mask the kernel accepts. */
export const DMA_BUF_SYNC_READ = 1;
export const DMA_BUF_SYNC_WRITE = 2;
export const DMA_BUF_SYNC_RW = 3;
export const DMA_BUF_SYNC_END = 4;
const DMA_BUF_SYNC_VALID_FLAGS_MASK = DMA_BUF_SYNC_RW | DMA_BUF_SYNC_END;
/** DMA_BUF_NAME_LEN */
const DMA_BUF_NAME_LEN = 32;

/**
 * dma_buf_poll_add_cb: a callback on the first pending fence of the usage;
 * false when every fence signalled. Until that fence signals (dma_buf_poll_cb)
 * the callback holds a reference to the dma-buf's file and keeps the
 * direction busy: a poll meanwhile is not ready for it.
 */
function dma_buf_poll_add_cb(dmabuf: DmaBuf, write: boolean, dcb: { active: boolean }): boolean {
  const pending = dma_resv_fences(dmabuf.resv, dma_resv_usage_rw(write)).find((f) => !f.signaled);
  if (!pending) return false;
  dcb.active = true;
  // Paired with fput in dma_buf_poll_cb
  get_file(dmabuf.file);
  pending.addCallback(() => {
    dcb.active = false;
    fput_any(dmabuf.owner.kernel, dmabuf.file);
  });
  return true;
}

/**
 * dma_buf_poll (since "dma-buf: fix and rework dma_buf_poll v3"): EPOLLIN
 * waits for writers (usage WRITE), EPOLLOUT for every fence (usage READ).
 */
function dma_buf_poll_reworked(dmabuf: DmaBuf, events: number): number {
  let ready = 0;
  if (events & EPOLLOUT && !dmabuf.cb_out.active && !dma_buf_poll_add_cb(dmabuf, true, dmabuf.cb_out)) ready |= EPOLLOUT;
  if (events & EPOLLIN && !dmabuf.cb_in.active && !dma_buf_poll_add_cb(dmabuf, false, dmabuf.cb_in)) ready |= EPOLLIN;
  return ready;
}

/**
 * dma_buf_poll before the rework, over the exclusive/shared view: the
 * exclusive fence is the last writer; shared fences are the readers added
 * after it (adding an exclusive fence used to drop the shared ones). When
 * EPOLLOUT is asked and shared fences exist, the exclusive fence is not
 * checked at all - for EPOLLIN either.
 */
function dma_buf_poll_legacy(dmabuf: DmaBuf, events: number): number {
  const fences = dmabuf.resv.fences;
  let exclAt = -1;
  fences.forEach((f, i) => { if (f.usage === 'kernel' || f.usage === 'write') exclAt = i; });
  const excl = exclAt >= 0 ? fences[exclAt].fence : undefined;
  const shared = fences.slice(exclAt + 1).filter((f) => f.usage === 'read').map((f) => f.fence);
  let ready = events & (EPOLLIN | EPOLLOUT);
  if (excl && (!(events & EPOLLOUT) || shared.length === 0)) {
    if (!excl.signaled) ready &= ~(EPOLLIN | EPOLLOUT);
  }
  if (events & EPOLLOUT && shared.length > 0) {
    if (shared.some((f) => !f.signaled)) ready &= ~EPOLLOUT;
  }
  return ready;
}

function dma_buf_poll(file: File, events: number): number {
  const dmabuf = file.private_data as DmaBuf;
  if (dmabuf.owner.kernel.switches.fault_injection === 'poll-ignores-fences') return events & (EPOLLIN | EPOLLOUT);
  return dmabuf.owner.kernel.switches.dma_buf_poll === 'legacy'
    ? dma_buf_poll_legacy(dmabuf, events)
    : dma_buf_poll_reworked(dmabuf, events);
}

/** DMA_BUF_IOCTL_SYNC: flags checked as the kernel does; SYNC_START waits for implicit fences. */
function* dma_buf_ioctl_sync(dmabuf: DmaBuf, flags: number): KGen<KResult<Value>> {
  const fault = dmabuf.owner.kernel.switches.fault_injection;
  if (fault !== 'sync-flags-unchecked') {
    if (flags & ~DMA_BUF_SYNC_VALID_FLAGS_MASK) return ERR('EINVAL', `invalid sync flags 0x${(flags >>> 0).toString(16)}`);
    if ((flags & DMA_BUF_SYNC_RW) === 0) return ERR('EINVAL', 'sync flags name neither read nor write');
  }
  const direction: DmaDataDirection = (flags & DMA_BUF_SYNC_RW) === DMA_BUF_SYNC_RW
    ? 'bidirectional'
    : flags & DMA_BUF_SYNC_WRITE ? 'to_device' : 'from_device';
  if (flags & DMA_BUF_SYNC_END) {
    // dma_buf_end_cpu_access
    const ret = dmabuf.ops.end_cpu_access ? yield* dmabuf.ops.end_cpu_access(dmabuf, direction) : undefined;
    return IS_ERR(ret) ? ret : null;
  }
  // dma_buf_begin_cpu_access: the exporter first, then __dma_buf_begin_cpu_access waits for implicit rendering
  const ret = dmabuf.ops.begin_cpu_access ? yield* dmabuf.ops.begin_cpu_access(dmabuf, direction) : undefined;
  if (IS_ERR(ret)) return ret;
  if (fault === 'sync-skips-wait') return null;
  const write = direction !== 'from_device';
  yield* dma_resv_wait_timeout(dmabuf.resv, dma_resv_usage_rw(write), undefined);
  return null;
}

/** dma_buf_set_name: at most DMA_BUF_NAME_LEN - 1 bytes (strndup_user). */
function dma_buf_set_name(dmabuf: DmaBuf, name: string): KResult<Value> {
  if (Buffer.byteLength(name) >= DMA_BUF_NAME_LEN) return ERR('EINVAL', `dma-buf name longer than ${DMA_BUF_NAME_LEN - 1} bytes`);
  dmabuf.name = name;
  return null;
}

function syncFlagsValid(flags: number): KResult<void> {
  if (flags & ~DMA_BUF_SYNC_RW) return ERR('EINVAL', `invalid sync_file flags 0x${(flags >>> 0).toString(16)}`);
  if ((flags & DMA_BUF_SYNC_RW) === 0) return ERR('EINVAL', 'sync_file flags name neither read nor write');
}

/** dma_buf_export_sync_file: a snapshot of the fences a reader/writer would wait for. */
function dma_buf_export_sync_file(dmabuf: DmaBuf, flags: number): KResult<Value> {
  const bad = syncFlagsValid(flags);
  if (IS_ERR(bad)) return bad;
  const task = current();
  const usage = dma_resv_usage_rw((flags & DMA_BUF_SYNC_WRITE) !== 0);
  const fence = dma_resv_get_singleton(task.kernel, dmabuf.resv, usage) ?? dma_fence_get_stub(task.kernel);
  return task.process.files.install(sync_file_create(fence), true);
}

/** dma_buf_import_sync_file: the sync_file's fences join the buffer as writers or readers. */
function* dma_buf_import_sync_file(dmabuf: DmaBuf, fd: number, flags: number): KGen<KResult<Value>> {
  const bad = syncFlagsValid(flags);
  if (IS_ERR(bad)) return bad;
  const fence = sync_file_get_fence(fd);
  if (!fence) return ERR('EINVAL', `fd ${fd} is not a sync_file`);
  const usage = flags & DMA_BUF_SYNC_WRITE ? 'write' : 'read';
  yield* dma_resv_lock(dmabuf.resv);
  dma_resv_add_fence(dmabuf.resv, fence, usage);
  dma_resv_unlock(dmabuf.resv);
  return null;
}

/** Flags from the op's symbolic names or a raw integer. */
export function syncFlags(flags: unknown): number {
  if (typeof flags === 'number') return flags;
  const bits: Record<string, number> = { start: 0, end: DMA_BUF_SYNC_END, read: DMA_BUF_SYNC_READ, write: DMA_BUF_SYNC_WRITE };
  return ((flags as string[] | undefined) ?? []).reduce((acc, name) => acc | bits[name], 0);
}

function* dma_buf_ioctl(file: File, op: string, args: Readonly<Record<string, unknown>>): KGen<KResult<Value>> {
  const dmabuf = file.private_data as DmaBuf;
  switch (op) {
    case 'dmabuf_sync': return yield* dma_buf_ioctl_sync(dmabuf, syncFlags(args.flags));
    case 'dmabuf_set_name': return dma_buf_set_name(dmabuf, args.name as string);
    case 'dmabuf_export_sync_file': return dma_buf_export_sync_file(dmabuf, syncFlags(args.flags));
    case 'dmabuf_import_sync_file':
      return yield* dma_buf_import_sync_file(dmabuf, args.sync_file as number, syncFlags(args.flags));
    default: return ERR('ENOTTY', `dma-buf has no ${op} ioctl`);
  }
}

/** dma_buf_show_fdinfo */
function dma_buf_show_fdinfo(file: File): string[] {
  const dmabuf = file.private_data as DmaBuf;
  const lines = [`size:\t${dmabuf.size}`, `count:\t${file.f_count}`, `exp_name:\t${dmabuf.exp_name}`];
  if (dmabuf.name !== undefined) lines.push(`name:\t${dmabuf.name}`);
  return lines;
}

export const dma_buf_fops: FileOperations = {
  name: 'dmabuf',
  release: dma_buf_file_release,
  llseek: dma_buf_llseek,
  mmap: dma_buf_mmap_internal,
  poll: dma_buf_poll,
  ioctl: dma_buf_ioctl,
  show_fdinfo: dma_buf_show_fdinfo,
};
