// GEM objects backed by shmemfs pages (drivers/gpu/drm/drm_gem_shmem_helper.c).
//
// Locking: what guards pages_use_count and the pages is the profile's
// shmem_lock switch: shmem->pages_lock (<= 6.4) or the object's dma_resv lock
// ("drm/shmem-helper: Switch to reservation lock"). Imported objects forward
// mmap to the exporter (dma_buf_mmap) and never touch their own lock for it.
import { dma_buf_mmap } from './dma_buf.ts';
import { dma_resv_assert_held, dma_resv_lock, dma_resv_trylock, dma_resv_unlock } from './dma_resv.ts';
import type { DrmDevice, DumbArgs, DumbResult } from './drm_device.ts';
import type { DrmFile } from './drm_file.ts';
import {
  drm_gem_create_mmap_offset, drm_gem_handle_create, drm_gem_object_get, drm_gem_object_put, drm_gem_object_release, drm_gem_vm_close, drm_gem_vm_open, GemObject,
  type GemObjectFuncs, type PageSource,
} from './drm_gem.ts';
import { drm_prime_gem_destroy } from './drm_prime.ts';
import { ERR, IS_ERR, type KResult } from './errors.ts';
import { Mutex, mutexClass, mutex_lock, mutex_unlock } from './locking.ts';
import { PAGE_ALIGN, PAGE_SIZE, type VmArea, type VmOperations } from './mm.ts';
import { current, might_sleep, type KGen } from './sched.ts';
import { might_alloc, ShmemFile } from './shmem.ts';

const pages_lock_class = mutexClass('&shmem->pages_lock');

export class DrmGemShmemObject extends GemObject {
  readonly pages_lock = new Mutex(pages_lock_class);
  pages_use_count = 0;
  /** shmem->pages while pinned: the shmemfs file, or the exporter's pages for an import. */
  pages: PageSource | undefined;
  /** obj->filp: absent for imported objects. */
  filp: ShmemFile | undefined;
  /** shmem->sgt of an imported object: the exporter's pages. */
  sgt: PageSource | undefined;
}

/** The lock guarding the pages: where kernel versions differ. */
function* lockPages(shmem: DrmGemShmemObject): KGen<void> {
  if (current().kernel.switches.shmem_lock === 'resv') yield* dma_resv_lock(shmem.resv);
  else yield* mutex_lock(shmem.pages_lock);
}

function unlockPages(shmem: DrmGemShmemObject): void {
  if (current().kernel.switches.shmem_lock === 'resv') dma_resv_unlock(shmem.resv);
  else mutex_unlock(shmem.pages_lock);
}

/**
 * __drm_gem_shmem_create: a private object has no shmemfs file (imports).
 * Every object, imports too, gets its fake mmap offset here; a 0-byte one
 * cannot (drm_mm refuses size 0: ENOSPC).
 */
export function __drm_gem_shmem_create(
  dev: DrmDevice,
  size: number,
  privateObject: boolean,
  funcs: GemObjectFuncs = drm_gem_shmem_funcs,
): KResult<DrmGemShmemObject> {
  const shmem = new DrmGemShmemObject(dev, PAGE_ALIGN(size), funcs);
  if (!privateObject) shmem.filp = new ShmemFile(shmem.size);
  const offset = drm_gem_create_mmap_offset(shmem);
  if (IS_ERR(offset)) {
    drm_gem_object_release(shmem);
    return offset;
  }
  return shmem;
}

/** drm_gem_shmem_free */
export function* drm_gem_shmem_free(obj: GemObject): KGen<void> {
  const shmem = obj as DrmGemShmemObject;
  if (shmem.import_attach) {
    yield* drm_prime_gem_destroy(shmem);
  } else {
    const takesResv = current().kernel.switches.shmem_free_takes_resv;
    if (takesResv) yield* dma_resv_lock(shmem.resv);
    shmem.pages = undefined;
    shmem.pages_use_count = 0;
    shmem.dev.lru.delete(shmem);
    if (takesResv) dma_resv_unlock(shmem.resv);
  }
  drm_gem_object_release(shmem);
}

/** drm_gem_shmem_get_pages_locked: pin the pages; the first pin allocates (and joins the shrinker's LRU). */
function drm_gem_shmem_get_pages_locked(shmem: DrmGemShmemObject): KResult<PageSource> {
  if (shmem.pages_use_count++ === 0) {
    if (!shmem.filp) {
      shmem.pages_use_count--;
      return ERR('EINVAL', 'an imported object has no pages of its own');
    }
    might_alloc();
    shmem.pages = shmem.filp;
    shmem.dev.lru.add(shmem);
  }
  return shmem.pages!;
}

export function* drm_gem_shmem_get_pages(shmem: DrmGemShmemObject): KGen<KResult<PageSource>> {
  yield* lockPages(shmem);
  const ret = drm_gem_shmem_get_pages_locked(shmem);
  unlockPages(shmem);
  return ret;
}

function drm_gem_shmem_put_pages_locked(shmem: DrmGemShmemObject): void {
  if (--shmem.pages_use_count === 0) shmem.pages = undefined;
}

export function* drm_gem_shmem_put_pages(shmem: DrmGemShmemObject): KGen<void> {
  yield* lockPages(shmem);
  drm_gem_shmem_put_pages_locked(shmem);
  unlockPages(shmem);
}

/**
 * Whether the caller's reservation lock already guards the pages: the vmap
 * path (drm_gem_shmem_vmap_locked) once drm-shmem uses the resv lock.
 */
function resvGuardsPages(shmem: DrmGemShmemObject, resvHeld: boolean | undefined): boolean {
  if (!resvHeld || current().kernel.switches.shmem_lock !== 'resv') return false;
  dma_resv_assert_held(shmem.resv);
  return true;
}

/** drm_gem_shmem_get_sg_table and friends: what an importer of this object maps. */
function* drm_gem_shmem_object_get_pages(obj: GemObject, resvHeld?: boolean): KGen<KResult<PageSource>> {
  const shmem = obj as DrmGemShmemObject;
  if (shmem.sgt) return shmem.sgt;
  if (resvGuardsPages(shmem, resvHeld)) return drm_gem_shmem_get_pages_locked(shmem);
  return yield* drm_gem_shmem_get_pages(shmem);
}

/** drm_gem_shmem_mmap: imports forward to the exporter; own objects pin their pages. */
export function* drm_gem_shmem_mmap(obj: GemObject, vma: VmArea): KGen<KResult<void>> {
  const shmem = obj as DrmGemShmemObject;
  if (shmem.import_attach) {
    vma.vm_private_data = undefined;
    vma.vm_ops = undefined;
    const ret = yield* dma_buf_mmap(shmem.dma_buf!, vma, 0);
    // Drop the reference drm_gem_mmap_obj() acquired.
    if (!IS_ERR(ret)) yield* drm_gem_object_put(obj);
    return ret;
  }
  const pages = yield* drm_gem_shmem_get_pages(shmem);
  if (IS_ERR(pages)) return pages;
}

/** drm_gem_shmem_fault: insert the page, under the pages lock. */
function* drm_gem_shmem_fault(vma: VmArea, index: number): KGen<KResult<Uint8Array>> {
  const shmem = vma.vm_private_data as DrmGemShmemObject;
  yield* lockPages(shmem);
  let ret: KResult<Uint8Array>;
  if (index >= shmem.size / PAGE_SIZE || !shmem.pages) ret = ERR('EFAULT', 'SIGBUS: page beyond the object or unpinned');
  else ret = shmem.pages.page(index);
  unlockPages(shmem);
  return ret;
}

function drm_gem_shmem_vm_open(vma: VmArea): void {
  const shmem = vma.vm_private_data as DrmGemShmemObject;
  // The pages are pinned already; the copy only adds a use.
  shmem.pages_use_count++;
  drm_gem_vm_open(vma);
}

function* drm_gem_shmem_vm_close(vma: VmArea): KGen<void> {
  yield* drm_gem_shmem_put_pages(vma.vm_private_data as DrmGemShmemObject);
  yield* drm_gem_vm_close(vma);
}

export const drm_gem_shmem_vm_ops: VmOperations = {
  open: drm_gem_shmem_vm_open,
  close: drm_gem_shmem_vm_close,
  fault: drm_gem_shmem_fault,
};

/** drm_gem_shmem_vunmap: an import's pages are the exporter's; nothing to drop here. */
function* drm_gem_shmem_object_put_pages(obj: GemObject, resvHeld?: boolean): KGen<void> {
  const shmem = obj as DrmGemShmemObject;
  if (shmem.sgt) return;
  if (resvGuardsPages(shmem, resvHeld)) drm_gem_shmem_put_pages_locked(shmem);
  else yield* drm_gem_shmem_put_pages(shmem);
}

export const drm_gem_shmem_funcs: GemObjectFuncs = {
  free: drm_gem_shmem_free,
  mmap: drm_gem_shmem_mmap,
  vm_ops: drm_gem_shmem_vm_ops,
  get_pages: drm_gem_shmem_object_get_pages,
  put_pages: drm_gem_shmem_object_put_pages,
};

/** drm_gem_shmem_prime_import_sg_table: a private object over the exporter's pages. */
export function* drm_gem_shmem_prime_import_sg_table(
  dev: DrmDevice,
  size: number,
  sgt: PageSource,
): KGen<KResult<GemObject>> {
  const shmem = __drm_gem_shmem_create(dev, size, true);
  if (!IS_ERR(shmem)) shmem.sgt = sgt;
  return shmem;
}

/** drm_gem_shmem_create_with_handle: the handle holds the only reference. */
export function* drm_gem_shmem_create_with_handle(
  file: DrmFile,
  size: number,
  funcs?: GemObjectFuncs,
): KGen<KResult<{ handle: number; obj: DrmGemShmemObject }>> {
  const shmem = __drm_gem_shmem_create(file.dev, size, false, funcs);
  if (IS_ERR(shmem)) return shmem;
  const handle = yield* drm_gem_handle_create(file, shmem);
  // drop reference from allocate - handle holds it now.
  yield* drm_gem_object_put(shmem);
  return IS_ERR(handle) ? handle : { handle, obj: shmem };
}

/** drm_gem_shmem_dumb_create: pitch and size in u32 arithmetic, as the kernel computes them. */
export function* drm_gem_shmem_dumb_create(file: DrmFile, args: DumbArgs): KGen<KResult<DumbResult>> {
  const pitch = Math.ceil((Math.imul(args.width, args.bpp) >>> 0) / 8);
  // A width x bpp that wraps to 0 makes a 0-byte object, which gets no mmap offset (ENOSPC).
  const size = PAGE_ALIGN(Math.imul(pitch, args.height) >>> 0) >>> 0;
  const ret = yield* drm_gem_shmem_create_with_handle(file, size);
  if (IS_ERR(ret)) return ret;
  return { handle: ret.handle, pitch, size: ret.obj.size };
}

/**
 * The drm-shmem shrinker of the series seed 001 discusses: drm_gem_lru_scan
 * takes a temporary reference on each object, trylocks its reservation,
 * evicts its pages to swap (contents kept), and drops the reference - which
 * frees the object here, inside reclaim, if user space let go meanwhile.
 */
function* drm_gem_shmem_shrinker_scan_objects(dev: DrmDevice): KGen<number> {
  let freed = 0;
  for (const obj of [...dev.lru]) {
    if (obj.refcount === 0) continue;
    drm_gem_object_get(obj);
    yield* might_sleep();
    if (dma_resv_trylock(obj.resv)) {
      freed++;
      dma_resv_unlock(obj.resv);
    }
    yield* drm_gem_object_put(obj);
  }
  return freed;
}

/** drm_gem_shmem_shrinker_init: only kernels with the shrinker register one. */
export function drm_gem_shmem_shrinker_init(dev: DrmDevice): void {
  if (!dev.kernel.switches.shmem_shrinker) return;
  dev.kernel.shrinkers.push({ name: dev.driver.name, owner: dev, scan_objects: () => drm_gem_shmem_shrinker_scan_objects(dev) });
}
