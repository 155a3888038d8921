// The op vocabulary: one entry per uAPI operation a scenario may perform.
// Each backend implements these ops by name; this table is the single source of
// their argument schemas, from which the scenario schema (and suites/schema.json)
// is derived, so a scenario runs unchanged on the simulator and the real kernel.
import { z } from 'zod';

const int = z.number().int();
const fd = int.describe('file descriptor');
const handle = int.describe('GEM handle (per drm file)');
const mapping = int.describe('mapping returned by mmap');

/** A flag set: the symbolic names, or a raw integer (to feed the kernel invalid bits). */
function flags<const T extends readonly [string, ...string[]]>(names: T) {
  return z.union([int, z.array(z.enum(names))]);
}

/** Byte content: one repeated byte, or a generated pattern. */
const content = {
  byte: int.min(0).max(255).optional().describe('every byte equals this value'),
  pattern: z.enum(['index8', 'index32']).optional()
    .describe('index8: byte i = i & 0xff; index32: dword i = i (little endian)'),
};

// Every fd an op creates is close-on-exec, as the native backend opens them
// (O_CLOEXEC, F_DUPFD_CLOEXEC, SOCK_CLOEXEC, MSG_CMSG_CLOEXEC), so no worker's
// child inherits a scenario's fds; only prime_handle_to_fd's flags choose.
export const OPS = {
  open: {
    summary: 'Open a DRM device by driver name (DRM_IOCTL_VERSION) or path (O_RDWR | O_CLOEXEC); returns its fd.',
    args: { driver: z.string().optional(), path: z.string().optional() },
    result: 'fd',
  },
  open_render: {
    summary: 'Open the render node (/dev/dri/renderD*) of the device a driver (DRM_IOCTL_VERSION name) provides; returns its fd.',
    args: { driver: z.string() },
    result: 'fd',
  },
  close: { summary: 'close(2) any fd.', args: { fd }, result: 'nothing' },
  dup: { summary: 'dup(2), close-on-exec (fcntl F_DUPFD_CLOEXEC); returns the new fd.', args: { fd }, result: 'fd' },
  create_dumb: {
    summary: 'DRM_IOCTL_MODE_CREATE_DUMB.',
    args: { fd, width: int, height: int, bpp: int, flags: int.optional() },
    result: '{handle, pitch, size}',
  },
  map_dumb: {
    summary: 'DRM_IOCTL_MODE_MAP_DUMB: the fake offset to mmap the handle through its drm fd.',
    args: { fd, handle },
    result: 'offset',
  },
  gem_close: { summary: 'DRM_IOCTL_GEM_CLOSE.', args: { fd, handle }, result: 'nothing' },
  set_version: {
    summary: 'DRM_IOCTL_SET_VERSION (DRM master only): ask for interface di_major.di_minor and driver dd_major.dd_minor (-1: no check); returns the versions the device offers.',
    args: { fd, di_major: int, di_minor: int, dd_major: int, dd_minor: int },
    result: '{di_major, di_minor, dd_major, dd_minor}',
  },
  gem_flink: { summary: 'DRM_IOCTL_GEM_FLINK; returns the global name.', args: { fd, handle }, result: 'name' },
  gem_open: { summary: 'DRM_IOCTL_GEM_OPEN of a flink name.', args: { fd, name: int }, result: '{handle, size}' },
  prime_handle_to_fd: {
    summary: 'DRM_IOCTL_PRIME_HANDLE_TO_FD (export); returns the dma-buf fd. flags default to [cloexec], as IGT\'s prime_handle_to_fd.',
    args: { fd, handle, flags: flags(['cloexec', 'rdwr']).optional() },
    result: 'fd',
  },
  prime_fd_to_handle: {
    summary: 'DRM_IOCTL_PRIME_FD_TO_HANDLE (import); returns the handle in this drm file.',
    args: { fd, dmabuf: fd },
    result: 'handle',
  },
  mmap: {
    summary: 'mmap(2) of a drm fd at a fake offset (GEM handle) or of a dma-buf fd; MAP_SHARED.',
    args: {
      fd,
      length: int,
      offset: int.optional(),
      prot: z.array(z.enum(['read', 'write'])).optional(),
    },
    result: 'mapping',
  },
  munmap: { summary: 'munmap(2) a whole mapping.', args: { map: mapping }, result: 'nothing' },
  lseek: {
    summary: 'lseek(2); returns the new offset.',
    args: { fd, offset: int, whence: z.enum(['set', 'cur', 'end']) },
    result: 'offset',
  },
  read_device_files: {
    summary: "Read every regular file of a DRM device's sysfs directory (/sys/dev/char/226:N) or debugfs directory (dri/N); returns {file name: contents}.",
    args: { fd, dir: z.enum(['sysfs', 'debugfs']) },
    result: '{name: text}',
  },
  mem_write: {
    summary: 'Store bytes through a mapping (memset / pattern fill).',
    args: { map: mapping, offset: int.optional(), length: int.optional(), ...content },
    result: 'nothing',
  },
  mem_read: {
    summary: 'Load bytes through a mapping; returns them (compare with expect: {bytes: ...}).',
    args: { map: mapping, offset: int.optional(), length: int.optional() },
    result: 'bytes',
  },
  poll: {
    summary: 'poll(2) one fd for in/out; returns {ready, revents}: ready when revents is not empty, which includes nval for an fd that is not open (poll returns 1). timeout_ms -1 waits forever.',
    args: {
      fd,
      events: z.array(z.enum(['in', 'out'])).optional().describe('default [in]'),
      timeout_ms: int.optional().describe('default 0'),
    },
    result: '{ready, revents}',
  },
  fdinfo: {
    summary: 'Read /proc/self/fdinfo/FD; returns its fields (pos, flags, size, count, exp_name, name, drm-driver, ...).',
    args: { fd },
    result: '{field: value}',
  },
  dmabuf_sync: {
    summary: 'DMA_BUF_IOCTL_SYNC (start waits for implicit fences).',
    args: { fd, flags: flags(['start', 'end', 'read', 'write']) },
    result: 'nothing',
  },
  dmabuf_set_name: { summary: 'DMA_BUF_SET_NAME (at most 31 bytes).', args: { fd, name: z.string() }, result: 'nothing' },
  dmabuf_export_sync_file: {
    summary: 'DMA_BUF_IOCTL_EXPORT_SYNC_FILE: a sync_file snapshot of the fences a reader / writer waits for.',
    args: { fd, flags: flags(['read', 'write']) },
    result: 'fd',
  },
  dmabuf_import_sync_file: {
    summary: 'DMA_BUF_IOCTL_IMPORT_SYNC_FILE: add a sync_file\'s fence as a reader (read) or writer (write).',
    args: { fd, sync_file: fd, flags: flags(['read', 'write']) },
    result: 'nothing',
  },
  vgem_fence_attach: {
    summary: 'DRM_IOCTL_VGEM_FENCE_ATTACH; returns the fence id.',
    args: { fd, handle, flags: flags(['write']).optional(), pad: int.optional() },
    result: 'fence',
  },
  vgem_fence_signal: {
    summary: 'DRM_IOCTL_VGEM_FENCE_SIGNAL.',
    args: { fd, fence: int.describe('fence id from vgem_fence_attach'), flags: int.optional() },
    result: 'nothing',
  },
  sw_sync_timeline_create: {
    summary: 'Open /sys/kernel/debug/sync/sw_sync: a new timeline; returns its fd.',
    args: {},
    result: 'fd',
  },
  sw_sync_fence_create: {
    summary: 'SW_SYNC_IOC_CREATE_FENCE on a timeline; returns a sync_file fd. The kernel ignores the name (the sync_file is named after its fence).',
    args: { timeline: fd, value: int, name: z.string().optional() },
    result: 'fd',
  },
  sw_sync_timeline_inc: {
    summary: 'SW_SYNC_IOC_INC: advance the timeline.',
    args: { timeline: fd, count: int.optional().describe('default 1') },
    result: 'nothing',
  },
  sync_file_merge: {
    summary: 'SYNC_IOC_MERGE; returns the merged sync_file fd. A name of 32 bytes or more is cut to 31, as the kernel cuts it.',
    args: { fd, fd2: fd, name: z.string().optional() },
    result: 'fd',
  },
  sync_file_info: {
    summary: 'SYNC_IOC_FILE_INFO; returns {name, status, num_fences, fences: [{obj_name, driver_name, status, timestamp_ns}]}.',
    args: { fd },
    result: '{name, status, num_fences, fences}',
  },
  sync_file_wait: {
    summary: 'libsync sync_wait: poll for signalled; ETIME on timeout. timeout_ms -1 waits forever.',
    args: { fd, timeout_ms: int.optional().describe('default -1') },
    result: 'nothing',
  },
  unix_socketpair: {
    summary: 'socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC); returns {fd0, fd1}.',
    args: {},
    result: '{fd0, fd1}',
  },
  unix_send_fd: {
    summary: 'sendmsg on a unix socket: a datagram carrying one fd (SCM_RIGHTS) to the peer.',
    args: { socket: fd, fd },
    result: 'nothing',
  },
  unix_recv_fd: {
    summary: 'recvmsg on a unix socket: waits for a datagram; returns the fd it carried, new in this process.',
    args: { socket: fd },
    result: 'fd',
  },
  module_unload: {
    summary: 'delete_module(2) (rmmod, O_NONBLOCK); EAGAIN while files, dma-bufs or mappings use it.',
    args: { name: z.string() },
    result: 'nothing',
  },
  module_load: { summary: 'Load a kernel module (modprobe).', args: { name: z.string() }, result: 'nothing' },
  kselftest_run: {
    summary: "Run one in-kernel selftest as IGT's igt_kselftest_execute: unload the module, load it with its igt__N__TEST=1 parameter, unload it again; fails with the errno the module's init returned (its log lands in the test's dmesg).",
    args: { module: z.string().describe('e.g. dmabuf_selftests'), test: z.string().describe('the selftest name, e.g. dma_fence') },
    result: 'nothing',
  },
  memfd_create: {
    summary: 'memfd_create(2): an anonymous shmem file of size 0; returns its fd. Without allow_sealing it carries F_SEAL_SEAL.',
    args: { name: z.string().optional().describe('default "primeci"'), flags: flags(['cloexec', 'allow_sealing']).optional().describe('default []') },
    result: 'fd',
  },
  ftruncate: { summary: 'ftruncate(2): set the size of a regular file (a memfd).', args: { fd, size: int }, result: 'nothing' },
  memfd_add_seals: {
    summary: 'fcntl(F_ADD_SEALS) on a memfd.',
    args: { fd, seals: flags(['seal', 'shrink', 'grow', 'write', 'future_write']) },
    result: 'nothing',
  },
  memfd_get_seals: {
    summary: 'fcntl(F_GET_SEALS) on a memfd; returns the seal names in bit order (seal, shrink, grow, write, future_write).',
    args: { fd },
    result: '[seal]',
  },
  udmabuf_create: {
    summary: 'UDMABUF_CREATE on /dev/udmabuf: a dma-buf over [offset, offset+size) of a sealed memfd; returns its fd.',
    args: {
      fd: fd.describe('an open /dev/udmabuf'),
      memfd: fd,
      offset: int,
      size: int,
      flags: flags(['cloexec']).optional().describe('default []'),
    },
    result: 'fd',
  },
  udmabuf_create_list: {
    summary: 'UDMABUF_CREATE_LIST on /dev/udmabuf: one dma-buf over several memfd ranges, in order; returns its fd.',
    args: {
      fd: fd.describe('an open /dev/udmabuf'),
      items: z.array(z.strictObject({ memfd: fd, offset: int, size: int })),
      flags: flags(['cloexec']).optional().describe('default []'),
    },
    result: 'fd',
  },
  dma_heap_alloc: {
    summary: 'DMA_HEAP_IOCTL_ALLOC on an open /dev/dma_heap/NAME: a dma-buf of len bytes (page-aligned up); returns its fd.',
    args: {
      fd: fd.describe('an open dma-heap'),
      len: int,
      fd_flags: flags(['wronly', 'rdwr', 'cloexec']).optional().describe('the new fd\'s open flags; default [rdwr, cloexec]'),
      heap_flags: int.optional().describe('default 0 (no heap flag is valid)'),
      layout: z.enum(['current', 'older', 'newer']).optional()
        .describe('the struct user space passes: current (24 bytes, default), older (16: no heap_flags), newer (48: 24 bytes of garbage after heap_flags)'),
    },
    result: 'fd',
  },
  gem_create: {
    summary: 'Simulated GPU: DRM_IOCTL_I915_GEM_CREATE; returns the handle.',
    args: { fd, size: int },
    result: 'handle',
    simOnly: true,
  },
  gem_userptr: {
    summary: 'Simulated GPU: DRM_IOCTL_I915_GEM_USERPTR over fresh, page-aligned memory of the process; returns the handle.',
    args: { fd, size: int, flags: int.optional() },
    result: 'handle',
    simOnly: true,
  },
  gem_pwrite: {
    summary: 'Simulated GPU: DRM_IOCTL_I915_GEM_PWRITE of a byte or pattern (waits for the GPU).',
    args: { fd, handle, offset: int.optional(), length: int.optional(), ...content },
    result: 'nothing',
    simOnly: true,
  },
  gem_pread: {
    summary: 'Simulated GPU: DRM_IOCTL_I915_GEM_PREAD; returns the bytes (waits for writers).',
    args: { fd, handle, offset: int.optional(), length: int.optional() },
    result: 'bytes',
    simOnly: true,
  },
  gem_set_domain: {
    summary: 'Simulated GPU: DRM_IOCTL_I915_GEM_SET_DOMAIN to the CPU domain (waits for the GPU).',
    args: { fd, handle, write: z.boolean().optional() },
    result: 'nothing',
    simOnly: true,
  },
  gem_busy: {
    summary: 'Simulated GPU: DRM_IOCTL_I915_GEM_BUSY; returns {busy, write: engine|null, read: [engines]}.',
    args: { fd, handle },
    result: '{busy, write, read}',
    simOnly: true,
  },
  gem_wait: {
    summary: 'Simulated GPU: DRM_IOCTL_I915_GEM_WAIT; ETIME while still busy. timeout_ms -1 waits forever.',
    args: { fd, handle, timeout_ms: int.optional() },
    result: 'nothing',
    simOnly: true,
  },
  gpu_submit: {
    summary: 'Simulated GPU: execbuf of a job on an engine that reads and writes buffers (implicit sync), fills what it writes, may spin until gpu_spin_end or hang until reset; returns {job, fence?}.',
    args: {
      fd,
      engine: z.enum(['rcs0', 'bcs0', 'vcs0', 'vecs0']),
      reads: z.union([handle, z.array(handle)]).optional().describe('a handle or a list of them'),
      writes: z.union([handle, z.array(handle)]).optional().describe('a handle or a list of them'),
      ...content,
      spin: z.boolean().optional(),
      hang: z.boolean().optional(),
      in_fence: fd.optional(),
      out_fence: z.boolean().optional(),
    },
    result: '{job, fence}',
    simOnly: true,
  },
  gpu_spin_end: {
    summary: 'Simulated GPU: end a spinning job.',
    args: { fd, job: int },
    result: 'nothing',
    simOnly: true,
  },
  gem_object_count: {
    summary: 'Kernel internals: the live GEM objects of the fd\'s device, as IGT reads them from debugfs (i915_gem_objects) to prove nothing leaked.',
    args: { fd },
    result: 'count',
    simOnly: true,
  },
  kernel_vmap: {
    summary: 'Kernel internals: an in-kernel importer (display / media driver) vmaps the dma-buf; returns its mapping id.',
    args: { dmabuf: fd },
    result: 'vmap',
    simOnly: true,
  },
  kernel_vmap_read: {
    summary: 'Kernel internals: the importer reads through its vmap; EFAULT if the exporter tore the mapping down.',
    args: { vmap: int, offset: int.optional(), length: int.optional() },
    result: 'bytes',
    simOnly: true,
  },
  kernel_vunmap: {
    summary: 'Kernel internals: the importer drops its vmap and its dma-buf reference.',
    args: { vmap: int },
    result: 'nothing',
    simOnly: true,
  },
  memory_pressure: {
    summary: 'Kernel internals: direct reclaim as an allocation under memory pressure runs it (shrinkers inside fs_reclaim); returns the objects scanned.',
    args: {},
    result: 'count',
    simOnly: true,
  },
} as const satisfies Record<string, OpSpec>;

export interface OpSpec {
  summary: string;
  /** Argument schemas; optional() marks an argument with a default. */
  args: Record<string, z.ZodType>;
  /** What the op returns, in words (documentation and `as:` bindings). */
  result: string;
  /** Models kernel internals or a simulated GPU: only the simulator has it. */
  simOnly?: boolean;
}

export type OpName = keyof typeof OPS;
export const OP_NAMES = Object.keys(OPS) as OpName[];

export function isOpName(name: string): name is OpName {
  return Object.hasOwn(OPS, name);
}

/** The parsed, defaulted arguments an op handler receives. */
export type OpArgs<N extends OpName> = z.infer<z.ZodObject<(typeof OPS)[N]['args']>>;

const strictSchemas = new Map<string, z.ZodObject>();
/** Strict runtime schema of an op's arguments (after `$refs` are resolved). */
export function argsSchema(op: OpName): z.ZodObject {
  let schema = strictSchemas.get(op);
  if (!schema) {
    schema = z.strictObject((OPS as Record<string, OpSpec>)[op].args);
    strictSchemas.set(op, schema);
  }
  return schema;
}
