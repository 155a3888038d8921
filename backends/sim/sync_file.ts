// sync_file (drivers/dma-buf/sync_file.c): a fence as a file descriptor, to
// wait on (poll), merge, and describe (SYNC_IOC_FILE_INFO).
import type { Value } from '../backend.ts';
import { DmaFence, dma_fence_get_status, dma_fence_unwrap, dma_fence_unwrap_merge } from './dma_fence.ts';
import { ERR, IS_ERR, type KResult } from './errors.ts';
import { EPOLLIN, File, type FileOperations } from './file.ts';
import { current, type KGen } from './sched.ts';

/** SYNC_IOC_MERGE / SYNC_IOC_FILE_INFO name buffers are 32 bytes. */
const NAME_LEN = 32;

export class SyncFile {
  constructor(
    readonly fence: DmaFence,
    /** The user's name from SYNC_IOC_MERGE, or empty. */
    readonly user_name: string,
  ) {}
}

function syncFileOf(file: File): SyncFile {
  return file.private_data as SyncFile;
}

/** sync_file_poll: readable once the fence signalled. */
function sync_file_poll(file: File, events: number): number {
  return syncFileOf(file).fence.signaled ? events & EPOLLIN : 0;
}

/** What fits a NAME_LEN buffer with its terminating NUL (strscpy, snprintf). */
function truncateName(name: string): string {
  const bytes = Buffer.from(name);
  return bytes.length < NAME_LEN ? name : bytes.subarray(0, NAME_LEN - 1).toString();
}

/** sync_file_get_name: the user's name, or "%s-%s%llu-%lld" of driver, timeline, context, seqno. */
function sync_file_get_name(sync: SyncFile): string {
  if (sync.user_name) return truncateName(sync.user_name);
  const f = sync.fence;
  return truncateName(`${f.ops.get_driver_name(f)}-${f.ops.get_timeline_name(f)}${f.context}-${f.seqno}`);
}

/**
 * sync_file_ioctl_merge: a new sync_file waiting for both; fd2 not a
 * sync_file is ENOENT. The name is cut to 31 bytes (data.name[31] = '\0').
 */
function* sync_file_ioctl_merge(file: File, args: Readonly<Record<string, unknown>>): KGen<KResult<Value>> {
  const task = current();
  const name = truncateName((args.name as string | undefined) ?? 'merged');
  const other = sync_file_fdget(args.fd2 as number);
  if (!other) return ERR('ENOENT', `fd ${String(args.fd2)} is not a sync_file`);
  const fence = dma_fence_unwrap_merge(task.kernel, [syncFileOf(file).fence, other.fence]);
  return task.process.files.install(sync_file_create(fence, name), true);
}

/** SYNC_IOC_FILE_INFO: status 1 signalled, 0 active, negative errno on error; one entry per fence. */
function sync_file_ioctl_fence_info(file: File): Value {
  const sync = syncFileOf(file);
  const fences = dma_fence_unwrap(sync.fence);
  return {
    name: sync_file_get_name(sync),
    status: dma_fence_get_status(sync.fence),
    num_fences: fences.length,
    fences: fences.map((f) => ({
      obj_name: f.ops.get_timeline_name(f),
      driver_name: f.ops.get_driver_name(f),
      status: dma_fence_get_status(f),
      timestamp_ns: f.signaled ? f.timestamp * 1000 : 0,
    })),
  };
}

function* sync_file_ioctl(file: File, op: string, args: Readonly<Record<string, unknown>>): KGen<KResult<Value>> {
  if (op === 'sync_file_merge') return yield* sync_file_ioctl_merge(file, args);
  if (op === 'sync_file_info') return sync_file_ioctl_fence_info(file);
  return ERR('ENOTTY', `sync_file has no ${op} ioctl`);
}

export const sync_file_fops: FileOperations = {
  name: 'sync_file',
  poll: sync_file_poll,
  ioctl: sync_file_ioctl,
};

/** sync_file_create: a new (not yet installed) sync_file file for the fence. */
export function sync_file_create(fence: DmaFence, name = ''): File {
  return new File(sync_file_fops, new SyncFile(fence, name), { read: true, write: false }, 0);
}

/** sync_file_fdget: the sync_file behind an fd, or undefined for a bad fd or another kind. */
export function sync_file_fdget(fd: number): SyncFile | undefined {
  const file = current().process.files.fdget(fd);
  if (IS_ERR(file) || file.f_op !== sync_file_fops) return undefined;
  return syncFileOf(file);
}

/** sync_file_get_fence */
export function sync_file_get_fence(fd: number): DmaFence | undefined {
  return sync_file_fdget(fd)?.fence;
}
