// sw_sync (drivers/dma-buf/sw_sync.c, sync_debug.c): a timeline user space
// advances by hand, and fences that signal when it reaches their value.
// Closing the timeline signals its pending fences with -ENOENT.
import type { Value } from '../backend.ts';
import { DmaFence, dma_fence_context_alloc, dma_fence_set_error, dma_fence_signal, type DmaFenceOps } from './dma_fence.ts';
import { ERR, type KResult } from './errors.ts';
import { File, O_LARGEFILE, O_RDWR, type FileOperations } from './file.ts';
import { current, type KGen } from './sched.ts';
import { sync_file_create } from './sync_file.ts';

const ENOENT = -2;

class SyncTimeline {
  value = 0;
  /** Fences not yet signalled (pt_list). */
  pending: DmaFence[] = [];
  constructor(readonly context: number, readonly name: string) {}
}

const timeline_fence_ops: DmaFenceOps = {
  get_driver_name: () => 'sw_sync',
  get_timeline_name: (fence) => timelines.get(fence)?.name ?? 'sw_sync',
};

/** Which timeline each sync_pt belongs to. */
const timelines = new WeakMap<DmaFence, SyncTimeline>();

/** 32-bit seqno comparison (__dma_fence_is_later without 64-bit seqnos). */
function reached(value: number, seqno: number): boolean {
  return ((value - seqno) | 0) >= 0;
}

/** The timeline's value as its fences see it; one ahead under the fault that signals them early. */
function signalled_value(obj: SyncTimeline): number {
  return current().kernel.switches.fault_injection === 'sw-sync-signals-early' ? obj.value + 1 : obj.value;
}

/** sync_pt_create: a fence at `value`, signalled at once if the timeline is past it. */
function sync_pt_create(obj: SyncTimeline, value: number): DmaFence {
  const fence = new DmaFence(current().kernel, timeline_fence_ops, obj.context, value >>> 0);
  timelines.set(fence, obj);
  if (reached(signalled_value(obj), fence.seqno)) dma_fence_signal(fence);
  else obj.pending.push(fence);
  return fence;
}

/** sync_timeline_signal: advance and signal what has been reached. */
function sync_timeline_signal(obj: SyncTimeline, inc: number): void {
  obj.value = (obj.value + inc) >>> 0;
  const still: DmaFence[] = [];
  for (const pt of obj.pending) {
    if (reached(signalled_value(obj), pt.seqno)) dma_fence_signal(pt);
    else still.push(pt);
  }
  obj.pending = still;
}

function* sw_sync_ioctl(file: File, op: string, args: Readonly<Record<string, unknown>>): KGen<KResult<Value>> {
  const obj = file.private_data as SyncTimeline;
  if (op === 'sw_sync_fence_create') {
    // sw_sync_ioctl_create_fence: the sync_file gets no name of its own; data.name is ignored.
    const pt = sync_pt_create(obj, args.value as number);
    return current().process.files.install(sync_file_create(pt), true);
  }
  if (op === 'sw_sync_timeline_inc') {
    sync_timeline_signal(obj, (args.count as number | undefined) ?? 1);
    return null;
  }
  return ERR('ENOTTY', `sw_sync has no ${op} ioctl`);
}

/** sw_sync_debugfs_release: pending fences signal with -ENOENT. */
function* sw_sync_debugfs_release(file: File): KGen<void> {
  const obj = file.private_data as SyncTimeline;
  for (const pt of obj.pending) {
    dma_fence_set_error(pt, ENOENT);
    dma_fence_signal(pt);
  }
  obj.pending = [];
}

const sw_sync_debugfs_fops: FileOperations = {
  name: 'sw_sync',
  release: sw_sync_debugfs_release,
  ioctl: sw_sync_ioctl,
};

/** sw_sync_debugfs_open: a new timeline named after the opening task. */
export function sw_sync_debugfs_open(): File {
  const task = current();
  const obj = new SyncTimeline(dma_fence_context_alloc(task.kernel), task.comm);
  return new File(sw_sync_debugfs_fops, obj, { read: true, write: true }, O_RDWR | O_LARGEFILE);
}
