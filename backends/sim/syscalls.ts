// The system-call boundary: each op of backends/ops.ts enters the kernel here
// as the syscall user space would make (open, close, dup, ioctl, mmap, munmap,
// lseek) or as a load/store through a mapping. Every call costs a little
// virtual time and runs the task's deferred work (final fputs) on its way out.
import type { OpResult, Value } from '../backend.ts';
import type { OpName } from '../ops.ts';
import { drm_fops, drm_open } from './drm_file.ts';
import { drmFileOf } from './drm_gem.ts';
import { IS_ERR, ERR, type KResult } from './errors.ts';
import { contentFiller } from './content.ts';
import { EPOLLIN, EPOLLOUT, get_file, O_CLOEXEC, task_work_run, vfs_llseek, type Whence } from './file.ts';
import { importer_vmap, importer_vmap_read, importer_vunmap } from './kernel_importer.ts';
import { sys_recv_fd, sys_send_fd, sys_socketpair } from './af_unix.ts';
import { drm_debugfs_files, drm_sysfs_files } from './drm_debugfs.ts';
import { delete_module, load_module } from './module.ts';
import { sys_ftruncate, sys_memfd_add_seals, sys_memfd_create_op, sys_memfd_get_seals } from './memfd.ts';
import { matchesDriver } from '../drivers.ts';
import { sw_sync_debugfs_open } from './sw_sync.ts';
import { try_to_free_pages } from './vmscan.ts';
import { SYSCALL_COST_US } from './kernel.ts';
import { access_mapping, PAGE_SIZE, vm_mmap_pgoff, vm_munmap } from './mm.ts';
import { current, might_sleep, wait_event, type KGen } from './sched.ts';

type Args = Readonly<Record<string, unknown>>;
type Syscall = (args: Args) => KGen<KResult<Value>>;

function* sys_open(args: Args): KGen<KResult<Value>> {
  const { driver, path } = args as { driver?: string; path?: string };
  const kernel = current().kernel;
  if (driver === undefined && path === undefined) return ERR('EINVAL', 'open needs a driver name or a device path');
  const chardev = path !== undefined ? kernel.chardevs.get(path) : undefined;
  if (chardev) return current().process.files.install(chardev(), false);
  const dev = kernel.devices.find((d) =>
    path !== undefined ? d.path === path || d.renderPath === path : matchesDriver(driver!, d.driver.name));
  if (!dev) return ERR('ENOENT', path !== undefined ? `no such device node ${path}` : `no ${driver} device is loaded`);
  // O_RDWR | O_CLOEXEC, as every fd an op creates (backends/ops.ts)
  return current().process.files.install(drm_open(dev, path === dev.renderPath), true);
}

/** readdir + read of every file of the device's sysfs or debugfs directory, as IGT walks them. */
function* sys_read_device_files(args: Args): KGen<KResult<Value>> {
  const file = current().process.files.fdget(args.fd as number);
  if (IS_ERR(file)) return file;
  if (file.f_op !== drm_fops) return ERR('ENOTTY', `fd ${String(args.fd)} is not a DRM device`);
  const dev = drmFileOf(file).dev;
  return args.dir === 'sysfs' ? drm_sysfs_files(dev) : drm_debugfs_files(dev);
}

/** open(2) of /dev/dri/renderD* of the device whose driver is `driver`. */
function* sys_open_render(args: Args): KGen<KResult<Value>> {
  const dev = current().kernel.devices.find((d) => matchesDriver(args.driver as string, d.driver.name));
  if (!dev) return ERR('ENOENT', `no ${String(args.driver)} device is loaded`);
  return yield* sys_open({ path: dev.renderPath });
}

function* sys_close(args: Args): KGen<KResult<Value>> {
  const ret = current().process.files.close(args.fd as number);
  return IS_ERR(ret) ? ret : null;
}

/** fcntl(F_DUPFD_CLOEXEC, 0): the ops' dup (backends/ops.ts). */
function* sys_dup(args: Args): KGen<KResult<Value>> {
  const files = current().process.files;
  const file = files.fdget(args.fd as number);
  if (IS_ERR(file)) return file;
  return files.install(get_file(file), true);
}

/** ioctl(2) on the fd in argument `fdArg`: the file's ioctl operation, ENOTTY when it has none. */
function ioctl(op: string, fdArg = 'fd'): Syscall {
  return function* sys_ioctl(args: Args): KGen<KResult<Value>> {
    const file = current().process.files.fdget(args[fdArg] as number);
    if (IS_ERR(file)) return file;
    if (!file.f_op.ioctl) return ERR('ENOTTY', `${file.f_op.name} files take no ${op} ioctl`);
    return yield* file.f_op.ioctl(file, op, args);
  };
}

function* sys_mmap(args: Args): KGen<KResult<Value>> {
  const { fd, length, offset = 0, prot = ['read', 'write'] } = args as {
    fd: number; length: number; offset?: number; prot?: string[];
  };
  // sys_mmap (arch/x86): the offset must be page aligned, checked before the fd
  if (offset % PAGE_SIZE !== 0) return ERR('EINVAL', `mmap offset ${offset} is not page aligned`);
  const task = current();
  const file = task.process.files.fdget(fd);
  if (IS_ERR(file)) return file;
  return yield* vm_mmap_pgoff(task.process.mm, file, length, offset, {
    read: prot.includes('read'),
    write: prot.includes('write'),
  });
}

function* sys_munmap(args: Args): KGen<KResult<Value>> {
  const ret = yield* vm_munmap(current().process.mm, args.map as number);
  return IS_ERR(ret) ? ret : null;
}

function* sys_lseek(args: Args): KGen<KResult<Value>> {
  const file = current().process.files.fdget(args.fd as number);
  if (IS_ERR(file)) return file;
  return vfs_llseek(file, args.offset as number, args.whence as Whence);
}

/**
 * poll(2) of one fd; files without a poll operation are always ready
 * (DEFAULT_POLLMASK). A closed fd counts as ready with POLLNVAL (do_pollfd).
 */
function* sys_poll(args: Args): KGen<KResult<Value>> {
  const { fd, events = ['in'], timeout_ms = 0 } = args as { fd: number; events?: string[]; timeout_ms?: number };
  const file = current().process.files.fdget(fd);
  if (IS_ERR(file)) return { ready: true, revents: ['nval'] };
  const wanted = (events.includes('in') ? EPOLLIN : 0) | (events.includes('out') ? EPOLLOUT : 0);
  const mask = () => (file.f_op.poll ? file.f_op.poll(file, wanted) : wanted);
  if (mask() === 0 && timeout_ms !== 0) {
    const sched = current().kernel.sched;
    const deadline = timeout_ms < 0 ? undefined : sched.now + timeout_ms * 1000;
    yield* wait_event({ what: `do_sys_poll(${file.f_op.name})`, ready: () => mask() !== 0, deadline });
  }
  const ready = mask();
  const revents = [...(ready & EPOLLIN ? ['in'] : []), ...(ready & EPOLLOUT ? ['out'] : [])];
  return { ready: ready !== 0, revents };
}

/** libsync's sync_wait: poll for EPOLLIN; ETIME when the timeout passes first. */
function* sync_wait(args: Args): KGen<KResult<Value>> {
  const { fd, timeout_ms = -1 } = args as { fd: number; timeout_ms?: number };
  const ret = yield* sys_poll({ fd, events: ['in'], timeout_ms });
  if (IS_ERR(ret)) return ret;
  const { ready, revents } = ret as { ready: boolean; revents: string[] };
  if (revents.includes('nval')) return ERR('EINVAL', `fd ${fd} is not open`);
  return ready ? null : ERR('ETIME', `fd ${fd} not signalled within ${timeout_ms} ms`);
}

/** /proc/self/fdinfo/FD: the generic fields, then the file's own. */
function* proc_fdinfo(args: Args): KGen<KResult<Value>> {
  const files = current().process.files;
  const fd = args.fd as number;
  const file = files.fdget(fd);
  if (IS_ERR(file)) return ERR('ENOENT', `/proc/self/fdinfo/${fd}: fd is not open`);
  const flags = file.f_flags | (files.cloexec(fd) ? O_CLOEXEC : 0);
  // fs/proc/fd.c seq_show prints "flags:\t0%o": no padding
  const lines = [`pos:\t${file.f_pos}`, `flags:\t0${flags.toString(8)}`, ...(file.f_op.show_fdinfo?.(file) ?? [])];
  const info: Record<string, Value> = {};
  for (const line of lines) {
    const [key, value] = line.split(':\t');
    info[key] = /^-?\d+$/.test(value) && key !== 'flags' ? Number(value) : value;
  }
  return info;
}

/** debugfs dri/N/i915_gem_objects (i915_gem_object_info): the device's live GEM objects (drm_gem_private_object_init .. drm_gem_object_release). */
function* gem_objects_debugfs(args: Args): KGen<KResult<Value>> {
  const file = current().process.files.fdget(args.fd as number);
  if (IS_ERR(file)) return file;
  if (file.f_op !== drm_fops) return ERR('ENOTTY', `fd ${String(args.fd)} is a ${file.f_op.name} file, not a DRM device`);
  return drmFileOf(file).dev.object_count;
}

function* sw_sync_open(): KGen<KResult<Value>> {
  return current().process.files.install(sw_sync_debugfs_open(), true);
}

function* module_unload(args: Args): KGen<KResult<Value>> {
  const ret = delete_module(current().kernel, args.name as string);
  return IS_ERR(ret) ? ret : null;
}

function* module_load(args: Args): KGen<KResult<Value>> {
  const ret = load_module(current().kernel, args.name as string);
  return IS_ERR(ret) ? ret : null;
}

interface MemArgs {
  map: number;
  offset?: number;
  length?: number;
  byte?: number;
  pattern?: 'index8' | 'index32';
}

/** The access range: from `offset` to the end of the mapping unless `length` is given. */
function accessRange(args: MemArgs): KResult<{ offset: number; length: number }> {
  const vma = current().process.mm.vmas.get(args.map);
  if (!vma) return ERR('EFAULT', `${args.map} is not a mapping of this process`);
  const offset = args.offset ?? 0;
  return { offset, length: args.length ?? vma.length - offset };
}

function* mem_write(args: Args): KGen<KResult<Value>> {
  const a = args as unknown as MemArgs;
  const fill = contentFiller(a);
  if (IS_ERR(fill)) return fill;
  const range = accessRange(a);
  if (IS_ERR(range)) return range;
  // A pattern is counted from the start of the mapping (docs/scenarios.md), as natively.
  const ret = yield* access_mapping(current().process.mm, a.map, range.offset, range.length, true, (page, at, done, n) => {
    for (let i = 0; i < n; i++) page[at + i] = fill(range.offset + done + i);
  });
  return IS_ERR(ret) ? ret : null;
}

function* mem_read(args: Args): KGen<KResult<Value>> {
  const a = args as unknown as MemArgs;
  const range = accessRange(a);
  if (IS_ERR(range)) return range;
  const out = new Uint8Array(Math.max(range.length, 0));
  const ret = yield* access_mapping(current().process.mm, a.map, range.offset, range.length, false, (page, at, done, n) => {
    out.set(page.subarray(at, at + n), done);
  });
  return IS_ERR(ret) ? ret : out;
}

const SYSCALLS: Partial<Record<OpName, Syscall>> = {
  open: sys_open,
  open_render: sys_open_render,
  read_device_files: sys_read_device_files,
  close: sys_close,
  dup: sys_dup,
  create_dumb: ioctl('create_dumb'),
  map_dumb: ioctl('map_dumb'),
  gem_close: ioctl('gem_close'),
  set_version: ioctl('set_version'),
  gem_flink: ioctl('gem_flink'),
  gem_open: ioctl('gem_open'),
  prime_handle_to_fd: ioctl('prime_handle_to_fd'),
  prime_fd_to_handle: ioctl('prime_fd_to_handle'),
  mmap: sys_mmap,
  munmap: sys_munmap,
  lseek: sys_lseek,
  mem_write,
  mem_read,
  poll: sys_poll,
  fdinfo: proc_fdinfo,
  dmabuf_sync: ioctl('dmabuf_sync'),
  dmabuf_set_name: ioctl('dmabuf_set_name'),
  dmabuf_export_sync_file: ioctl('dmabuf_export_sync_file'),
  dmabuf_import_sync_file: ioctl('dmabuf_import_sync_file'),
  vgem_fence_attach: ioctl('vgem_fence_attach'),
  vgem_fence_signal: ioctl('vgem_fence_signal'),
  sw_sync_timeline_create: sw_sync_open,
  sw_sync_fence_create: ioctl('sw_sync_fence_create', 'timeline'),
  sw_sync_timeline_inc: ioctl('sw_sync_timeline_inc', 'timeline'),
  sync_file_merge: ioctl('sync_file_merge'),
  sync_file_info: ioctl('sync_file_info'),
  sync_file_wait: sync_wait,
  unix_socketpair: sys_socketpair,
  unix_send_fd: sys_send_fd,
  unix_recv_fd: sys_recv_fd,
  module_unload,
  module_load,
  memfd_create: sys_memfd_create_op,
  ftruncate: sys_ftruncate,
  memfd_add_seals: sys_memfd_add_seals,
  memfd_get_seals: sys_memfd_get_seals,
  udmabuf_create: ioctl('udmabuf_create'),
  udmabuf_create_list: ioctl('udmabuf_create_list'),
  dma_heap_alloc: ioctl('dma_heap_alloc'),
  gem_create: ioctl('gem_create'),
  gem_userptr: ioctl('gem_userptr'),
  gem_pwrite: ioctl('gem_pwrite'),
  gem_pread: ioctl('gem_pread'),
  gem_set_domain: ioctl('gem_set_domain'),
  gem_busy: ioctl('gem_busy'),
  gem_wait: ioctl('gem_wait'),
  gpu_submit: ioctl('gpu_submit'),
  gpu_spin_end: ioctl('gpu_spin_end'),
  memory_pressure: try_to_free_pages,
  kernel_vmap: importer_vmap,
  kernel_vmap_read: importer_vmap_read,
  kernel_vunmap: importer_vunmap,
  gem_object_count: gem_objects_debugfs,
};

export function implemented(op: OpName): boolean {
  return SYSCALLS[op] !== undefined;
}

/** Enter the kernel for one op on behalf of the current task. */
export function* syscall(op: OpName, args: Args): KGen<OpResult> {
  const task = current();
  task.op = op;
  task.kernel.sched.advance(SYSCALL_COST_US);
  yield* might_sleep();
  const handler = SYSCALLS[op];
  const ret = handler ? yield* handler(args) : ERR('ENOSYS', `the simulator does not implement ${op}`);
  yield* task_work_run();
  return IS_ERR(ret) ? { ok: false, errno: ret.errno, detail: ret.detail } : { ok: true, value: ret };
}
