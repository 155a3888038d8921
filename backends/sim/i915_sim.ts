// A simulated GPU for the i915-only IGT tests (modelled on i915's GEM uAPI:
// i915_gem_create, pread/pwrite, set_domain, busy, wait, execbuffer). Objects
// are shmem-backed; a job reads and writes buffers, takes part in implicit
// sync through their reservation objects, runs in order on its engine, may
// spin until ended, and a hung job is reset by hangcheck with -EIO.
import type { Value } from '../backend.ts';
import { contentFiller } from './content.ts';
import { dma_buf_map_attachment } from './dma_buf.ts';
import { DmaFence, dma_fence_context_alloc, dma_fence_set_error, dma_fence_signal, type DmaFenceOps } from './dma_fence.ts';
import {
  dma_resv_add_fence, dma_resv_fences, dma_resv_lock, dma_resv_unlock, dma_resv_usage_rw, dma_resv_wait_timeout,
} from './dma_resv.ts';
import type { DrmDevice, DrmDriver } from './drm_device.ts';
import type { DrmFile } from './drm_file.ts';
import { drm_gem_object_lookup, drm_gem_object_put, type GemObject, type PageSource } from './drm_gem.ts';
import {
  drm_gem_shmem_create_with_handle, drm_gem_shmem_dumb_create, drm_gem_shmem_shrinker_init, drm_gem_shmem_get_pages,
  drm_gem_shmem_prime_import_sg_table, type DrmGemShmemObject,
} from './drm_gem_shmem_helper.ts';
import { ERR, IS_ERR, type KResult } from './errors.ts';
import { i915_gem_userptr_ioctl, is_userptr } from './i915_gem_userptr.ts';
import { KERN_INFO, type Kernel } from './kernel.ts';
import { mutex_lock, mutex_unlock } from './locking.ts';
import { PAGE_ALIGN, PAGE_SIZE } from './mm.ts';
import { current, type KGen } from './sched.ts';
import { sync_file_create, sync_file_get_fence } from './sync_file.ts';

export const ENGINES = ['rcs0', 'bcs0', 'vcs0', 'vecs0'] as const;
type Engine = (typeof ENGINES)[number];

/** How long a plain job runs, and when hangcheck declares a job hung (virtual µs). */
const JOB_US = 100;
const HANGCHECK_US = 6_000_000;
const EIO = -5;

type Args = Readonly<Record<string, unknown>>;

interface Job {
  id: number;
  engine: Engine;
  fence: DmaFence;
  /** Sizes and pages of the buffers it writes. */
  writes: { size: number; pages: PageSource }[];
  fill: (i: number) => number;
  spinning: boolean;
  started: boolean;
}

/** Per-device GPU state: one timeline per engine, jobs by id. */
class Gpu {
  readonly contexts = new Map<Engine, number>();
  readonly seqnos = new Map<Engine, number>();
  /** The last job's fence on each engine: jobs on one engine run in order. */
  readonly last = new Map<Engine, DmaFence>();
  readonly jobs = new Map<number, Job>();
  nextJob = 1;
  constructor(readonly kernel: Kernel) {
    for (const e of ENGINES) this.contexts.set(e, dma_fence_context_alloc(kernel));
  }
}

const gpus = new WeakMap<DrmDevice, Gpu>();
function gpuOf(dev: DrmDevice): Gpu {
  let gpu = gpus.get(dev);
  if (!gpu) gpus.set(dev, (gpu = new Gpu(dev.kernel)));
  return gpu;
}

const engineFences = new WeakMap<DmaFence, Engine>();
const i915_fence_ops: DmaFenceOps = {
  get_driver_name: () => 'i915-sim',
  get_timeline_name: (f) => engineFences.get(f) ?? 'unknown',
};

/** The pages the GPU reads and writes: the exporter's for an import (mapped at use), else its own. */
function* i915_gem_object_get_pages(obj: GemObject): KGen<KResult<PageSource>> {
  if (obj.import_attach) return yield* dma_buf_map_attachment(obj.import_attach);
  if (is_userptr(obj)) return yield* obj.funcs.get_pages(obj);
  return yield* drm_gem_shmem_get_pages(obj as DrmGemShmemObject);
}

function writeBytes(pages: PageSource, offset: number, length: number, byteAt: (i: number) => number): void {
  for (let i = 0; i < length; i++) {
    const pos = offset + i;
    pages.page(Math.floor(pos / PAGE_SIZE))[pos % PAGE_SIZE] = byteAt(i);
  }
}

/** i915_gem_create_ioctl */
function* i915_gem_create_ioctl(file: DrmFile, args: Args): KGen<KResult<Value>> {
  const size = args.size as number;
  if (size <= 0) return ERR('EINVAL', `GEM object size ${size}`);
  const ret = yield* drm_gem_shmem_create_with_handle(file, PAGE_ALIGN(size));
  return IS_ERR(ret) ? ret : ret.handle;
}

/** Look up a handle and check [offset, offset+length) lies inside it (pread/pwrite's EINVAL). */
function* lookupRange(file: DrmFile, args: Args): KGen<KResult<{ obj: GemObject; offset: number; length: number }>> {
  const obj = drm_gem_object_lookup(file, args.handle as number);
  if (IS_ERR(obj)) return obj;
  const offset = (args.offset as number | undefined) ?? 0;
  const length = (args.length as number | undefined) ?? obj.size - offset;
  if (offset < 0 || length < 0 || offset + length > obj.size) {
    yield* drm_gem_object_put(obj);
    return ERR('EINVAL', `bytes ${offset}..${offset + length} outside the ${obj.size}-byte object`);
  }
  return { obj, offset, length };
}

/** i915_gem_pwrite_ioctl: waits for the GPU, then writes through the CPU. */
function* i915_gem_pwrite_ioctl(file: DrmFile, args: Args): KGen<KResult<Value>> {
  const fill = contentFiller(args);
  if (IS_ERR(fill)) return fill;
  const range = yield* lookupRange(file, args);
  if (IS_ERR(range)) return range;
  yield* dma_resv_wait_timeout(range.obj.resv, dma_resv_usage_rw(true), undefined);
  const pages = yield* i915_gem_object_get_pages(range.obj);
  if (!IS_ERR(pages)) writeBytes(pages, range.offset, range.length, fill);
  yield* drm_gem_object_put(range.obj);
  return IS_ERR(pages) ? pages : null;
}

/** i915_gem_pread_ioctl: waits for writers, then reads. */
function* i915_gem_pread_ioctl(file: DrmFile, args: Args): KGen<KResult<Value>> {
  const range = yield* lookupRange(file, args);
  if (IS_ERR(range)) return range;
  yield* dma_resv_wait_timeout(range.obj.resv, dma_resv_usage_rw(false), undefined);
  const pages = yield* i915_gem_object_get_pages(range.obj);
  const out = new Uint8Array(range.length);
  if (!IS_ERR(pages)) {
    for (let i = 0; i < range.length; i++) {
      const pos = range.offset + i;
      out[i] = pages.page(Math.floor(pos / PAGE_SIZE))[pos % PAGE_SIZE];
    }
  }
  yield* drm_gem_object_put(range.obj);
  return IS_ERR(pages) ? pages : out;
}

/** i915_gem_set_domain_ioctl: move to the CPU domain, waiting for the GPU. */
function* i915_gem_set_domain_ioctl(file: DrmFile, args: Args): KGen<KResult<Value>> {
  const obj = drm_gem_object_lookup(file, args.handle as number);
  if (IS_ERR(obj)) return obj;
  yield* dma_resv_wait_timeout(obj.resv, dma_resv_usage_rw(Boolean(args.write)), undefined);
  yield* drm_gem_object_put(obj);
  return null;
}

/** i915_gem_busy_ioctl: the engines reading it, and the one writing it. */
function* i915_gem_busy_ioctl(file: DrmFile, args: Args): KGen<KResult<Value>> {
  const obj = drm_gem_object_lookup(file, args.handle as number);
  if (IS_ERR(obj)) return obj;
  const pending = (usage: 'write' | 'read') => obj.resv.fences
    .filter((f) => f.usage === usage && !f.fence.signaled)
    .map((f) => engineFences.get(f.fence) ?? 'foreign');
  const write = pending('write');
  const read = [...new Set([...write, ...pending('read')])];
  yield* drm_gem_object_put(obj);
  return { busy: read.length > 0, write: write[0] ?? null, read };
}

/** i915_gem_wait_ioctl: ETIME if the object is still busy after the timeout. */
function* i915_gem_wait_ioctl(file: DrmFile, args: Args): KGen<KResult<Value>> {
  const obj = drm_gem_object_lookup(file, args.handle as number);
  if (IS_ERR(obj)) return obj;
  const timeout_ms = (args.timeout_ms as number | undefined) ?? -1;
  const idle = yield* dma_resv_wait_timeout(obj.resv, 'bookkeep', timeout_ms < 0 ? undefined : timeout_ms * 1000);
  yield* drm_gem_object_put(obj);
  return idle ? null : ERR('ETIME', 'object still busy');
}

/** The job's completion: its writes land, then its fence signals. */
function retire(job: Job): void {
  for (const w of job.writes) writeBytes(w.pages, 0, w.size, job.fill);
  dma_fence_signal(job.fence);
}

/** Run a job once its dependencies signalled: complete, spin, or hang until hangcheck resets it. */
function start(gpu: Gpu, job: Job, hang: boolean): void {
  const sched = gpu.kernel.sched;
  job.started = true;
  if (hang) {
    sched.addTimer(sched.now + HANGCHECK_US, () => {
      // i915_error_state_store logs the hang with drm_info: an allowed hang is no dmesg warning.
      gpu.kernel.printk(KERN_INFO, `i915-sim: [drm] GPU HANG: ecode 12:1:00000000, in primeci, job ${job.id} on ${job.engine}`);
      gpu.kernel.printk(KERN_INFO, `i915-sim: [drm] Resetting ${job.engine} for hang on ${job.engine}`);
      dma_fence_set_error(job.fence, EIO);
      dma_fence_signal(job.fence);
    });
  } else if (!job.spinning) {
    sched.addTimer(sched.now + JOB_US, () => retire(job));
  }
}

/**
 * i915_gem_execbuffer2 reduced to what the tests need: implicit sync on every
 * buffer (a writer waits for all fences, a reader for writers), an optional
 * in-fence, and the job's fence added as writer or reader.
 */
function* i915_gem_execbuffer_ioctl(file: DrmFile, args: Args): KGen<KResult<Value>> {
  const engine = args.engine as Engine;
  if (!ENGINES.includes(engine)) return ERR('EINVAL', `no engine ${String(engine)} (have ${ENGINES.join(', ')})`);
  const fill = args.byte === undefined && args.pattern === undefined ? () => 0 : contentFiller(args);
  if (IS_ERR(fill)) return fill;
  const dev = file.dev;
  const gpu = gpuOf(dev);
  const kernel = gpu.kernel;
  const objs: { obj: GemObject; write: boolean }[] = [];
  const put = function* () { for (const o of objs) yield* drm_gem_object_put(o.obj); };
  for (const [list, write] of [[args.reads, false], [args.writes, true]] as const) {
    for (const handle of [list ?? []].flat() as number[]) {
      const obj = drm_gem_object_lookup(file, handle);
      if (IS_ERR(obj)) {
        yield* put();
        return obj;
      }
      objs.push({ obj, write });
    }
  }
  const deps: DmaFence[] = [];
  if (args.in_fence !== undefined) {
    const fence = sync_file_get_fence(args.in_fence as number);
    if (!fence) {
      yield* put();
      return ERR('EINVAL', `in_fence ${String(args.in_fence)} is not a sync_file`);
    }
    deps.push(fence);
  }
  const structMutex = kernel.switches.prime_helpers_struct_mutex;
  if (structMutex) yield* mutex_lock(dev.struct_mutex);
  const writes: Job['writes'] = [];
  let failed: KResult<PageSource> | undefined;
  for (const { obj, write } of objs) {
    const p = yield* i915_gem_object_get_pages(obj);
    if (IS_ERR(p)) failed = p;
    else if (write) writes.push({ size: obj.size, pages: p });
  }
  if (structMutex) mutex_unlock(dev.struct_mutex);
  if (IS_ERR(failed)) {
    yield* put();
    return failed;
  }
  const seqno = (gpu.seqnos.get(engine) ?? 0) + 1;
  gpu.seqnos.set(engine, seqno);
  const fence = new DmaFence(kernel, i915_fence_ops, gpu.contexts.get(engine)!, seqno);
  engineFences.set(fence, engine);
  const previous = gpu.last.get(engine);
  if (previous) deps.push(previous);
  gpu.last.set(engine, fence);
  for (const { obj, write } of objs) {
    yield* dma_resv_lock(obj.resv);
    deps.push(...dma_resv_fences(obj.resv, dma_resv_usage_rw(write)));
    dma_resv_add_fence(obj.resv, fence, write ? 'write' : 'read');
    dma_resv_unlock(obj.resv);
  }
  const job: Job = { id: gpu.nextJob++, engine, fence, fill, writes, spinning: Boolean(args.spin), started: false };
  gpu.jobs.set(job.id, job);
  let pending = deps.filter((d) => d !== fence).length;
  const ready = () => { if (--pending === 0) start(gpu, job, Boolean(args.hang)); };
  if (pending === 0) start(gpu, job, Boolean(args.hang));
  for (const d of deps) if (d !== fence && !d.addCallback(ready)) ready();
  yield* put();
  const out: Record<string, Value> = { job: job.id };
  if (args.out_fence) out.fence = current().process.files.install(sync_file_create(fence), true);
  return out;
}

/** End a spinning job (the batch's loop is rewritten to MI_BATCH_BUFFER_END). */
function* i915_spin_end(file: DrmFile, args: Args): KGen<KResult<Value>> {
  const gpu = gpuOf(file.dev);
  const job = gpu.jobs.get(args.job as number);
  if (!job) return ERR('ENOENT', `no GPU job ${String(args.job)}`);
  if (job.spinning) {
    job.spinning = false;
    if (job.started) gpu.kernel.sched.addTimer(gpu.kernel.sched.now + JOB_US, () => retire(job));
  }
  return null;
}

export const i915_sim_driver: DrmDriver = {
  name: 'i915-sim',
  module: 'i915_sim',
  // DRIVER_MAJOR / DRIVER_MINOR in i915_driver.h
  major: 1,
  minor: 6,
  load: drm_gem_shmem_shrinker_init,
  dumb_create: drm_gem_shmem_dumb_create,
  gem_prime_import_sg_table: drm_gem_shmem_prime_import_sg_table,
  ioctls: {
    gem_create: i915_gem_create_ioctl,
    gem_userptr: i915_gem_userptr_ioctl,
    gem_pwrite: i915_gem_pwrite_ioctl,
    gem_pread: i915_gem_pread_ioctl,
    gem_set_domain: i915_gem_set_domain_ioctl,
    gem_busy: i915_gem_busy_ioctl,
    gem_wait: i915_gem_wait_ioctl,
    gpu_submit: i915_gem_execbuffer_ioctl,
    gpu_spin_end: i915_spin_end,
  },
};
