// struct file and its operations (fs/file_table.c): an open file description
// shared by every fd (dup, fork) and mapping that refers to it; released by
// the last fput.
import type { Value } from '../backend.ts';
import { ERR, type KResult } from './errors.ts';
import type { Kernel } from './kernel.ts';
import { current, in_task, type KGen } from './sched.ts';
import type { VmArea } from './mm.ts';
import { O_CLOEXEC, O_RDWR } from '../uapi.ts';

export type Whence = 'set' | 'cur' | 'end';

export const EPOLLIN = 0x1;
export const EPOLLOUT = 0x4;
/** Open flags (uapi/asm-generic/fcntl.h); DRM_RDWR / DRM_CLOEXEC carry the same bits. */
export { O_CLOEXEC, O_RDWR };
/** do_sys_open adds O_LARGEFILE on 64-bit (force_o_largefile): fdinfo shows it for opened files. */
export const O_LARGEFILE = 0o100000;

export interface FileMode {
  read: boolean;
  write: boolean;
  /** FMODE_UNSIGNED_OFFSET: mmap offsets are unsigned (DRM files), so a "negative" one is not EOVERFLOW. */
  unsignedOffset?: boolean;
}

export interface FileOperations {
  /** For fdinfo and messages: the kind of file ("drm", "dmabuf", "sync_file", ...). */
  readonly name: string;
  release?(file: File): KGen<void>;
  llseek?(file: File, offset: number, whence: Whence): KResult<number>;
  mmap?(file: File, vma: VmArea): KGen<KResult<void>>;
  /** The uAPI ioctls this file answers, by op name; anything else is ENOTTY. */
  ioctl?(file: File, op: string, args: Readonly<Record<string, unknown>>): KGen<KResult<Value>>;
  /** fdinfo lines after the generic pos/flags ones ("key:\tvalue"). */
  show_fdinfo?(file: File): string[];
  /** The ready events among `events` now (EPOLLIN / EPOLLOUT), without sleeping. */
  poll?(file: File, events: number): number;
}

export class File {
  f_count = 1;
  f_pos = 0;
  constructor(
    readonly f_op: FileOperations,
    readonly private_data: unknown,
    readonly mode: FileMode,
    /** Open flags as user space passed them (O_RDWR / O_CLOEXEC bits), for fdinfo. */
    readonly f_flags: number,
  ) {}
}

export function get_file(file: File): File {
  file.f_count++;
  return file;
}

/**
 * fput: drop a reference. The last one queues the release as task work, run
 * on the way back to user space (task_work_run), so no lock the caller holds
 * is held by the release.
 */
export function fput(file: File): void {
  if (--file.f_count > 0) return;
  const release = file.f_op.release;
  if (release) current().task_works.push(() => release(file));
}

/**
 * fput from a fence callback, which may run in no task (a timer firing while
 * every task sleeps): the final release then waits on the kernel's
 * delayed_fput list, run on the way out of the next syscall.
 */
export function fput_any(kernel: Kernel, file: File): void {
  if (in_task()) return fput(file);
  if (--file.f_count > 0) return;
  const release = file.f_op.release;
  if (release) kernel.delayed_fput.push(() => release(file));
}

/** task_work_run: deferred work queued by this task (final fputs), then the delayed ones (flush_delayed_fput). */
export function* task_work_run(): KGen<void> {
  const task = current();
  for (let work = task.task_works.shift(); work; work = task.task_works.shift()) yield* work();
  const delayed = task.kernel.delayed_fput;
  for (let work = delayed.shift(); work; work = delayed.shift()) yield* work();
}

/** noop_llseek: the position never moves (DRM's character devices). */
export function noop_llseek(file: File): number {
  return file.f_pos;
}

/** vfs_llseek on a file without an llseek operation. */
export function vfs_llseek(file: File, offset: number, whence: Whence): KResult<number> {
  if (!file.f_op.llseek) return ERR('ESPIPE', `${file.f_op.name} files cannot seek`);
  return file.f_op.llseek(file, offset, whence);
}
