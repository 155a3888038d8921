// PRIME: GEM objects as dma-bufs (drivers/gpu/drm/drm_prime.c).
//
// Locking, as in the kernel: file->prime.lock guards the file's dma-buf <->
// handle cache and is taken first; dev->object_name_lock (inside it) guards
// obj->dma_buf. The cache holds a dma-buf reference per handle, so importing
// the same dma-buf again on a file returns the same handle, and a self-import
// finds the exporter's own object.
import {
  DmaBuf, dma_buf_attach, dma_buf_detach, dma_buf_export, dma_buf_fd, dma_buf_get, dma_buf_map_attachment,
  dma_buf_put, get_dma_buf, type DmaBufAttachment, type DmaBufOps,
} from './dma_buf.ts';
import { dma_resv_assert_held } from './dma_resv.ts';
import type { DrmDevice } from './drm_device.ts';
import type { DrmFile } from './drm_file.ts';
import {
  drm_gem_handle_create_tail, drm_gem_object_get, drm_gem_object_lookup, drm_gem_object_put, GemObject,
  type PageSource,
} from './drm_gem.ts';
import { ERR, IS_ERR, type KResult } from './errors.ts';
import { O_CLOEXEC, O_RDWR } from './file.ts';
import { Mutex, mutexClass, mutex_lock, mutex_unlock } from './locking.ts';
import type { VmArea } from './mm.ts';
import { current, type KGen } from './sched.ts';

export const DRM_CLOEXEC = O_CLOEXEC;
export const DRM_RDWR = O_RDWR;

const prime_lock_class = mutexClass('&file_priv->prime.lock');

/**
 * struct drm_prime_file_private: the per-file dma-buf <-> handle cache, one
 * member per (dma-buf, handle). Two handles of one object exported from one
 * file make two members of the same dma-buf.
 */
export class DrmPrimeFilePrivate {
  readonly lock = new Mutex(prime_lock_class);
  /** The handles cached for each dma-buf, oldest first. */
  readonly dmabufs = new Map<DmaBuf, number[]>();
  readonly handles = new Map<number, DmaBuf>();
}

function drm_prime_add_buf_handle(prime: DrmPrimeFilePrivate, dmabuf: DmaBuf, handle: number): void {
  get_dma_buf(dmabuf);
  prime.dmabufs.set(dmabuf, [...(prime.dmabufs.get(dmabuf) ?? []), handle]);
  prime.handles.set(handle, dmabuf);
}

/**
 * drm_prime_lookup_buf_handle: the rb-tree walk stops at the first member of
 * the dma-buf it meets; an equal key is inserted to the left, below the older
 * member, so (rebalancing aside) that is the oldest one.
 */
function drm_prime_lookup_buf_handle(prime: DrmPrimeFilePrivate, dmabuf: DmaBuf): number | undefined {
  return prime.dmabufs.get(dmabuf)?.[0];
}

/** drm_prime_remove_buf_handle: a closed handle leaves the cache. */
export function* drm_prime_remove_buf_handle(prime: DrmPrimeFilePrivate, handle: number): KGen<void> {
  yield* mutex_lock(prime.lock);
  const dmabuf = prime.handles.get(handle);
  if (dmabuf) {
    prime.handles.delete(handle);
    const others = prime.dmabufs.get(dmabuf)!.filter((h) => h !== handle);
    if (others.length) prime.dmabufs.set(dmabuf, others);
    else prime.dmabufs.delete(dmabuf);
    dma_buf_put(dmabuf);
  }
  mutex_unlock(prime.lock);
}

/** export_and_register_object: export and remember the dma-buf on the object. */
function* export_and_register_object(obj: GemObject, flags: number): KGen<KResult<DmaBuf>> {
  // prevent races with concurrent gem_close
  if (obj.handle_count === 0) return ERR('ENOENT', 'the object lost its last handle during export');
  const dmabuf = obj.funcs.export ? yield* obj.funcs.export(obj, flags) : drm_gem_prime_export(obj, flags);
  if (IS_ERR(dmabuf)) return dmabuf;
  // The object keeps its dma-buf until the last handle is closed.
  obj.dma_buf = dmabuf;
  get_dma_buf(dmabuf);
  if (current().kernel.switches.fault_injection === 'export-leaks-dma-buf') get_dma_buf(dmabuf);
  return dmabuf;
}

/** drm_gem_prime_handle_to_fd: export a handle; the same object always gives the same dma-buf. */
export function* drm_gem_prime_handle_to_fd(file: DrmFile, handle: number, flags: number): KGen<KResult<number>> {
  const dev = file.dev;
  yield* mutex_lock(file.prime.lock);
  const obj = drm_gem_object_lookup(file, handle);
  if (IS_ERR(obj)) {
    mutex_unlock(file.prime.lock);
    return obj;
  }
  let dmabuf: KResult<DmaBuf> | undefined = file.prime.handles.get(handle);
  if (dmabuf) {
    get_dma_buf(dmabuf);
  } else {
    yield* mutex_lock(dev.object_name_lock);
    if (obj.import_attach) {
      // re-export the original imported object
      dmabuf = obj.import_attach.dmabuf;
      get_dma_buf(dmabuf);
    } else if (obj.dma_buf) {
      dmabuf = obj.dma_buf;
      get_dma_buf(dmabuf);
    } else {
      dmabuf = yield* export_and_register_object(obj, flags);
    }
    if (!IS_ERR(dmabuf)) drm_prime_add_buf_handle(file.prime, dmabuf, handle);
    mutex_unlock(dev.object_name_lock);
  }
  const ret = IS_ERR(dmabuf) ? dmabuf : dma_buf_fd(dmabuf, flags);
  yield* drm_gem_object_put(obj);
  mutex_unlock(file.prime.lock);
  return ret;
}

/** DRM_IOCTL_PRIME_HANDLE_TO_FD: only DRM_CLOEXEC and DRM_RDWR are valid flags. */
export function* drm_prime_handle_to_fd_ioctl(file: DrmFile, handle: number, flags: number): KGen<KResult<number>> {
  if (flags & ~(DRM_CLOEXEC | DRM_RDWR)) return ERR('EINVAL', `invalid export flags 0x${flags.toString(16)}`);
  return yield* drm_gem_prime_handle_to_fd(file, handle, flags);
}

/** drm_gem_prime_fd_to_handle: import a dma-buf; a known one returns its cached handle. */
export function* drm_gem_prime_fd_to_handle(file: DrmFile, prime_fd: number): KGen<KResult<number>> {
  const dev = file.dev;
  const dmabuf = dma_buf_get(prime_fd);
  if (IS_ERR(dmabuf)) return dmabuf;
  yield* mutex_lock(file.prime.lock);
  let ret: KResult<number> | undefined = drm_prime_lookup_buf_handle(file.prime, dmabuf);
  if (ret === undefined) {
    yield* mutex_lock(dev.object_name_lock);
    const obj = dev.driver.gem_prime_import
      ? yield* dev.driver.gem_prime_import(dev, dmabuf)
      : yield* drm_gem_prime_import(dev, dmabuf);
    if (IS_ERR(obj)) {
      mutex_unlock(dev.object_name_lock);
      ret = obj;
    } else {
      if (!obj.dma_buf) {
        obj.dma_buf = dmabuf;
        get_dma_buf(dmabuf);
      }
      // drm_gem_handle_create_tail unlocks dev->object_name_lock.
      ret = yield* drm_gem_handle_create_tail(file, obj);
      yield* drm_gem_object_put(obj);
      if (!IS_ERR(ret)) drm_prime_add_buf_handle(file.prime, dmabuf, ret);
    }
  }
  mutex_unlock(file.prime.lock);
  dma_buf_put(dmabuf);
  return ret;
}

/** drm_gem_dmabuf_release: the dma-buf's reference on the object goes. */
function* drm_gem_dmabuf_release(dmabuf: DmaBuf): KGen<void> {
  const obj = dmabuf.priv as GemObject;
  yield* drm_gem_object_put(obj);
  obj.dev.refs--;
}

/**
 * drm_gem_map_dma_buf: the importer sees the exporter's pages. The 2012
 * helpers did this under the exporter's dev->struct_mutex (seed 004), so an
 * importer calling in with its own struct_mutex held nests the class.
 */
function* drm_gem_map_dma_buf(attach: DmaBufAttachment): KGen<KResult<PageSource>> {
  const obj = attach.dmabuf.priv as GemObject;
  const structMutex = obj.dev.kernel.switches.prime_helpers_struct_mutex;
  if (structMutex) yield* mutex_lock(obj.dev.struct_mutex);
  const pages = yield* obj.funcs.get_pages(obj);
  if (structMutex) mutex_unlock(obj.dev.struct_mutex);
  return pages;
}

/** drm_gem_dmabuf_mmap -> drm_gem_prime_mmap: map through the object's own mmap. */
function* drm_gem_dmabuf_mmap(dmabuf: DmaBuf, vma: VmArea): KGen<KResult<void>> {
  if (current().kernel.switches.dma_buf_mmap_locking === 'core') dma_resv_assert_held(dmabuf.resv);
  return yield* drm_gem_prime_mmap(dmabuf.priv as GemObject, vma);
}

export function* drm_gem_prime_mmap(obj: GemObject, vma: VmArea): KGen<KResult<void>> {
  vma.vm_ops = obj.funcs.vm_ops;
  drm_gem_object_get(obj);
  const ret = yield* obj.funcs.mmap(obj, vma);
  if (IS_ERR(ret)) {
    yield* drm_gem_object_put(obj);
    return ret;
  }
  vma.vm_private_data = obj;
}

/** drm_gem_dmabuf_vmap: the object's pages, pinned; under struct_mutex in the 2012 helpers. */
function* drm_gem_dmabuf_vmap(dmabuf: DmaBuf): KGen<KResult<PageSource>> {
  const obj = dmabuf.priv as GemObject;
  const structMutex = obj.dev.kernel.switches.prime_helpers_struct_mutex;
  if (structMutex) yield* mutex_lock(obj.dev.struct_mutex);
  const pages = yield* obj.funcs.get_pages(obj, vmapHoldsResv(obj));
  if (structMutex) mutex_unlock(obj.dev.struct_mutex);
  return pages;
}

/** drm_gem_vmap / drm_gem_vunmap (6.2+) run with the reservation lock dma_buf_vmap took. */
function vmapHoldsResv(obj: GemObject): boolean {
  return obj.dev.kernel.switches.dma_buf_vmap_lock === 'resv';
}

function* drm_gem_dmabuf_vunmap(dmabuf: DmaBuf): KGen<void> {
  const obj = dmabuf.priv as GemObject;
  yield* obj.funcs.put_pages(obj, vmapHoldsResv(obj));
}

/** drm_gem_prime_dmabuf_ops: how DRM objects behave as dma-bufs. */
export const drm_gem_prime_dmabuf_ops: DmaBufOps = {
  map_dma_buf: drm_gem_map_dma_buf,
  release: drm_gem_dmabuf_release,
  mmap: drm_gem_dmabuf_mmap,
  vmap: drm_gem_dmabuf_vmap,
  vunmap: drm_gem_dmabuf_vunmap,
};

/** drm_gem_prime_export -> drm_gem_dmabuf_export: the dma-buf holds the object and the device. */
export function drm_gem_prime_export(obj: GemObject, flags: number): KResult<DmaBuf> {
  const dmabuf = dma_buf_export({
    size: obj.size,
    ops: drm_gem_prime_dmabuf_ops,
    priv: obj,
    resv: obj.resv,
    exp_name: 'drm',
    owner: obj.dev,
    flags,
  });
  if (IS_ERR(dmabuf)) return dmabuf;
  obj.dev.refs++;
  drm_gem_object_get(obj);
  return dmabuf;
}

/** drm_gem_prime_import_dev: our own dma-buf on the same device is the same object. */
export function* drm_gem_prime_import(dev: DrmDevice, dmabuf: DmaBuf): KGen<KResult<GemObject>> {
  if (dmabuf.ops === drm_gem_prime_dmabuf_ops) {
    const obj = dmabuf.priv as GemObject;
    if (obj.dev === dev) {
      // Importing a dma-buf exported from our own GEM object: the same object.
      drm_gem_object_get(obj);
      return obj;
    }
  }
  const attach = yield* dma_buf_attach(dmabuf, dev);
  if (IS_ERR(attach)) return attach;
  get_dma_buf(dmabuf);
  const pages = yield* dma_buf_map_attachment(attach);
  const obj = IS_ERR(pages) ? pages : yield* dev.driver.gem_prime_import_sg_table(dev, dmabuf.size, pages);
  if (IS_ERR(obj)) {
    yield* dma_buf_detach(dmabuf, attach);
    dma_buf_put(dmabuf);
    return obj;
  }
  obj.import_attach = attach;
  obj.resv = dmabuf.resv;
  return obj;
}

/** drm_prime_gem_destroy: an imported object lets go of its dma-buf. */
export function* drm_prime_gem_destroy(obj: GemObject): KGen<void> {
  const attach = obj.import_attach!;
  yield* dma_buf_detach(attach.dmabuf, attach);
  dma_buf_put(attach.dmabuf);
}

/** Export flags from the op's symbolic names or raw integer. */
export function primeFlags(flags: number | string[] | undefined): number {
  if (typeof flags === 'number') return flags;
  let bits = 0;
  for (const name of flags ?? ['cloexec']) bits |= name === 'cloexec' ? DRM_CLOEXEC : DRM_RDWR;
  return bits;
}
