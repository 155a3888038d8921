// An in-kernel importer (a display or media driver using a dma-buf through
// dma_buf_vmap, as fbdev emulation or a scanout path does): the sim-only ops
// kernel_vmap / kernel_vmap_read / kernel_vunmap drive it.
import type { Value } from '../backend.ts';
import { dma_buf_get, dma_buf_put, dma_buf_vmap, dma_buf_vunmap, type DmaBuf, type DmaBufMap } from './dma_buf.ts';
import { ERR, IS_ERR, type KResult } from './errors.ts';
import { PAGE_SIZE } from './mm.ts';
import { current, type KGen } from './sched.ts';

interface KernelMapping {
  dmabuf: DmaBuf;
  map: DmaBufMap;
}

/** The importer's mappings by id (ids never reused), per machine. */
class MappingTable extends Map<number, KernelMapping> {
  next = 1;
}
const mappings = new WeakMap<object, MappingTable>();

function table(): MappingTable {
  const kernel = current().kernel;
  let t = mappings.get(kernel);
  if (!t) mappings.set(kernel, (t = new MappingTable()));
  return t;
}

/** The importer takes a reference on the dma-buf and maps it. */
export function* importer_vmap(args: Readonly<Record<string, unknown>>): KGen<KResult<Value>> {
  const dmabuf = dma_buf_get(args.dmabuf as number);
  if (IS_ERR(dmabuf)) return dmabuf;
  const map = yield* dma_buf_vmap(dmabuf);
  if (IS_ERR(map)) {
    dma_buf_put(dmabuf);
    return map;
  }
  const t = table();
  const id = t.next++;
  t.set(id, { dmabuf, map });
  return id;
}

/** A read through the kernel mapping; EFAULT once the exporter tore it down (a stale pointer). */
export function* importer_vmap_read(args: Readonly<Record<string, unknown>>): KGen<KResult<Value>> {
  const m = table().get(args.vmap as number);
  if (!m) return ERR('EINVAL', `no kernel mapping ${String(args.vmap)}`);
  const pages = m.map.pages;
  if (!pages) return ERR('EFAULT', 'the exporter unmapped this kernel mapping while it was still in use');
  const offset = (args.offset as number | undefined) ?? 0;
  const length = (args.length as number | undefined) ?? m.dmabuf.size - offset;
  if (offset < 0 || length < 0 || offset + length > m.dmabuf.size) return ERR('EFAULT', 'outside the dma-buf');
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = pages.page(Math.floor((offset + i) / PAGE_SIZE))[(offset + i) % PAGE_SIZE];
  return out;
}

export function* importer_vunmap(args: Readonly<Record<string, unknown>>): KGen<KResult<Value>> {
  const t = table();
  const m = t.get(args.vmap as number);
  if (!m) return ERR('EINVAL', `no kernel mapping ${String(args.vmap)}`);
  t.delete(args.vmap as number);
  yield* dma_buf_vunmap(m.dmabuf, m.map);
  dma_buf_put(m.dmabuf);
  return null;
}
