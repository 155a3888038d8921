// GEM objects and handles (drivers/gpu/drm/drm_gem.c).
//
// Locking, as in the kernel: dev->object_name_lock guards handle_count, flink
// names and obj->dma_buf; file->table_lock (a spinlock) guards the handle idr.
// An object holds a reference for as long as it has handles; its exported
// dma-buf is dropped when the last handle goes.
import type { DmaBuf, DmaBufAttachment } from './dma_buf.ts';
import { dma_buf_put } from './dma_buf.ts';
import { DmaResv } from './dma_resv.ts';
import type { DrmDevice } from './drm_device.ts';
import type { DrmFile } from './drm_file.ts';
import { drm_prime_remove_buf_handle } from './drm_prime.ts';
import { ERR, IS_ERR, type KResult } from './errors.ts';
import type { File } from './file.ts';
import { mutex_lock, mutex_unlock, spin_lock, spin_unlock } from './locking.ts';
import { PAGE_SIZE, type VmArea, type VmOperations } from './mm.ts';
import type { KGen } from './sched.ts';

/** struct drm_gem_object_funcs */
export interface GemObjectFuncs {
  free(obj: GemObject): KGen<void>;
  /** Export as a dma-buf; absent means drm_gem_prime_export. */
  export?(obj: GemObject, flags: number): KGen<KResult<DmaBuf>>;
  mmap(obj: GemObject, vma: VmArea): KGen<KResult<void>>;
  vm_ops: VmOperations;
  /**
   * The pages a mapping or an importer sees (get_sg_table + vmap, collapsed).
   * `resvHeld`: the caller holds obj->resv (vmap since 6.2: drm_gem_vmap), so
   * the exporter's _locked helpers run.
   */
  get_pages(obj: GemObject, resvHeld?: boolean): KGen<KResult<PageSource>>;
  /** Undo one get_pages (vunmap). */
  put_pages(obj: GemObject, resvHeld?: boolean): KGen<void>;
}

/** Where an object's bytes live: page `index` of its backing store. */
export interface PageSource {
  page(index: number): Uint8Array;
}

export class GemObject {
  refcount = 1;
  handle_count = 0;
  /** Flink name, 0 when none. */
  name = 0;
  /** The dma-buf this object is exported as or was imported from. */
  dma_buf: DmaBuf | undefined;
  import_attach: DmaBufAttachment | undefined;
  /** Fake mmap offset in pages (vma_node), once drm_gem_create_mmap_offset placed it. */
  vma_offset: number | undefined;
  /** drm_vma_node_allow: files allowed to mmap, with a count per file. */
  readonly vma_allowed = new Map<DrmFile, number>();
  /** obj->resv: its own, or the exporter's for an import. */
  resv: DmaResv;

  constructor(
    readonly dev: DrmDevice,
    readonly size: number,
    readonly funcs: GemObjectFuncs,
    resv?: DmaResv,
  ) {
    this.resv = resv ?? new DmaResv();
    dev.object_count++;
  }
}

export function drm_gem_object_get(obj: GemObject): void {
  obj.refcount++;
}

/** drm_gem_object_put: the last reference frees the object through its funcs. */
export function* drm_gem_object_put(obj: GemObject): KGen<void> {
  if (--obj.refcount > 0) return;
  yield* drm_gem_object_free(obj);
}

function* drm_gem_object_free(obj: GemObject): KGen<void> {
  yield* obj.funcs.free(obj);
}

/** drm_gem_object_release: what every driver's free calls last (drm_gem_free_mmap_offset included). */
export function drm_gem_object_release(obj: GemObject): void {
  if (obj.vma_offset !== undefined) obj.dev.vma_offset_manager.remove(obj.vma_offset);
  obj.vma_offset = undefined;
  obj.dev.object_count--;
}

/** drm_gem_object_lookup: a new reference to the object behind a handle. */
export function drm_gem_object_lookup(file: DrmFile, handle: number): KResult<GemObject> {
  spin_lock(file.table_lock);
  const obj = file.object_idr.get(handle);
  if (obj) drm_gem_object_get(obj);
  spin_unlock(file.table_lock);
  return obj ?? ERR('ENOENT', `no GEM handle ${handle} in this drm file`);
}

/**
 * drm_gem_handle_create_tail: called with dev->object_name_lock held, and
 * releases it (as the kernel's does).
 */
export function* drm_gem_handle_create_tail(file: DrmFile, obj: GemObject): KGen<KResult<number>> {
  const dev = obj.dev;
  if (obj.handle_count++ === 0) drm_gem_object_get(obj);
  mutex_unlock(dev.object_name_lock);
  spin_lock(file.table_lock);
  const handle = file.allocHandle(obj);
  spin_unlock(file.table_lock);
  obj.vma_allowed.set(file, (obj.vma_allowed.get(file) ?? 0) + 1);
  return handle;
}

/** drm_gem_handle_create: a new handle for an object the caller holds a reference to. */
export function* drm_gem_handle_create(file: DrmFile, obj: GemObject): KGen<KResult<number>> {
  yield* mutex_lock(obj.dev.object_name_lock);
  return yield* drm_gem_handle_create_tail(file, obj);
}

/** drm_gem_object_handle_free: the flink name goes with the last handle. */
function drm_gem_object_handle_free(obj: GemObject): void {
  if (obj.name) {
    obj.dev.object_name_idr.delete(obj.name);
    obj.name = 0;
  }
}

function drm_gem_object_exported_dma_buf_free(obj: GemObject): void {
  if (obj.dma_buf) {
    dma_buf_put(obj.dma_buf);
    obj.dma_buf = undefined;
  }
}

function* drm_gem_object_handle_put_unlocked(obj: GemObject): KGen<void> {
  const dev = obj.dev;
  let final = false;
  yield* mutex_lock(dev.object_name_lock);
  if (--obj.handle_count === 0) {
    drm_gem_object_handle_free(obj);
    drm_gem_object_exported_dma_buf_free(obj);
    final = true;
  }
  mutex_unlock(dev.object_name_lock);
  if (final) yield* drm_gem_object_put(obj);
}

/** drm_gem_object_release_handle: undo everything a handle holds. */
export function* drm_gem_object_release_handle(handle: number, obj: GemObject, file: DrmFile): KGen<void> {
  yield* drm_prime_remove_buf_handle(file.prime, handle);
  const allowed = (obj.vma_allowed.get(file) ?? 1) - 1;
  if (allowed) obj.vma_allowed.set(file, allowed);
  else obj.vma_allowed.delete(file);
  yield* drm_gem_object_handle_put_unlocked(obj);
}

/** drm_gem_handle_delete (GEM_CLOSE): an unknown or closed handle is EINVAL. */
export function* drm_gem_handle_delete(file: DrmFile, handle: number): KGen<KResult<void>> {
  spin_lock(file.table_lock);
  const obj = file.object_idr.get(handle);
  if (obj) file.object_idr.set(handle, null);
  spin_unlock(file.table_lock);
  if (!obj) return ERR('EINVAL', `GEM handle ${handle} is not open in this drm file`);
  yield* drm_gem_object_release_handle(handle, obj, file);
  spin_lock(file.table_lock);
  file.object_idr.delete(handle);
  spin_unlock(file.table_lock);
}

/** DRM_IOCTL_GEM_FLINK: a global name, the same one on every call. */
export function* drm_gem_flink_ioctl(file: DrmFile, handle: number): KGen<KResult<number>> {
  const obj = drm_gem_object_lookup(file, handle);
  if (IS_ERR(obj)) return obj;
  const dev = obj.dev;
  yield* mutex_lock(dev.object_name_lock);
  let ret: KResult<number>;
  if (obj.handle_count === 0) ret = ERR('ENOENT', `GEM handle ${handle} is being closed`);
  else ret = obj.name ||= dev.allocName(obj);
  mutex_unlock(dev.object_name_lock);
  yield* drm_gem_object_put(obj);
  return ret;
}

/** DRM_IOCTL_GEM_OPEN: a new handle for a flink name (never deduplicated). */
export function* drm_gem_open_ioctl(file: DrmFile, name: number): KGen<KResult<{ handle: number; size: number }>> {
  const dev = file.dev;
  yield* mutex_lock(dev.object_name_lock);
  const obj = dev.object_name_idr.get(name);
  if (!obj) {
    mutex_unlock(dev.object_name_lock);
    return ERR('ENOENT', `no GEM object has flink name ${name}`);
  }
  drm_gem_object_get(obj);
  const handle = yield* drm_gem_handle_create_tail(file, obj);
  const ret = IS_ERR(handle) ? handle : { handle, size: obj.size };
  yield* drm_gem_object_put(obj);
  return ret;
}

/** drm_gem_dumb_map_offset: imported objects are refused. */
export function* drm_gem_dumb_map_offset(file: DrmFile, handle: number): KGen<KResult<number>> {
  const obj = drm_gem_object_lookup(file, handle);
  if (IS_ERR(obj)) return obj;
  let ret: KResult<number>;
  if (obj.import_attach) ret = ERR('EINVAL', `GEM handle ${handle} is an imported dma-buf; map the dma-buf instead`);
  else ret = drm_gem_mmap_offset_bytes(obj);
  yield* drm_gem_object_put(obj);
  return ret;
}

/** drm_gem_create_mmap_offset -> drm_vma_offset_add: a no-op once placed; ENOSPC for a 0-byte object. */
export function drm_gem_create_mmap_offset(obj: GemObject): KResult<number> {
  if (obj.vma_offset !== undefined) return obj.vma_offset;
  const start = obj.dev.vma_offset_manager.insert(obj.size / PAGE_SIZE, obj);
  if (!IS_ERR(start)) obj.vma_offset = start;
  return start;
}

/** drm_gem_create_mmap_offset, then drm_vma_node_offset_addr: the offset user space passes to mmap. */
export function drm_gem_mmap_offset_bytes(obj: GemObject): KResult<number> {
  const start = drm_gem_create_mmap_offset(obj);
  return IS_ERR(start) ? start : start * PAGE_SIZE;
}

/** drm_gem_mmap: mmap of a drm fd at a fake offset. */
export function* drm_gem_mmap(file: DrmFile, vma: VmArea): KGen<KResult<void>> {
  const obj = file.dev.vma_offset_manager.lookupExact(vma.vm_pgoff, vma.length / PAGE_SIZE);
  // kref_get_unless_zero: an object being freed is not found either.
  if (!obj || obj.refcount === 0) return ERR('EINVAL', `no GEM object at fake offset ${vma.vm_pgoff * PAGE_SIZE}`);
  drm_gem_object_get(obj);
  let ret: KResult<void>;
  if (!obj.vma_allowed.has(file)) ret = ERR('EACCES', 'this drm file has no handle to the object at that offset');
  else ret = yield* drm_gem_mmap_obj(obj, obj.size, vma);
  yield* drm_gem_object_put(obj);
  return ret;
}

/** drm_gem_mmap_obj: the mapping holds an object reference until it is closed. */
export function* drm_gem_mmap_obj(obj: GemObject, obj_size: number, vma: VmArea): KGen<KResult<void>> {
  if (obj_size < vma.length) return ERR('EINVAL', `mapping ${vma.length} bytes of a ${obj_size}-byte object`);
  drm_gem_object_get(obj);
  vma.vm_private_data = obj;
  vma.vm_ops = obj.funcs.vm_ops;
  const ret = yield* obj.funcs.mmap(obj, vma);
  if (IS_ERR(ret)) {
    yield* drm_gem_object_put(obj);
    return ret;
  }
}

/** drm_gem_vm_open: a forked copy of a GEM mapping. */
export function drm_gem_vm_open(vma: VmArea): void {
  drm_gem_object_get(vma.vm_private_data as GemObject);
}

export function* drm_gem_vm_close(vma: VmArea): KGen<void> {
  yield* drm_gem_object_put(vma.vm_private_data as GemObject);
}

/** drm_gem_release: a closing drm file drops all its handles. */
export function* drm_gem_release(file: DrmFile): KGen<void> {
  for (const [handle, obj] of [...file.object_idr]) {
    if (obj) yield* drm_gem_object_release_handle(handle, obj, file);
  }
  file.object_idr.clear();
}

/** The drm file of a drm fd's struct file. */
export function drmFileOf(file: File): DrmFile {
  return file.private_data as DrmFile;
}
