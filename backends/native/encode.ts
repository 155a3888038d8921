// The native implementation of each op in backends/ops.ts: how its arguments
// become a C op (src/native.h: enum nat_code) and how the C result becomes the
// op's value. An op missing here is not available natively.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Value } from '../backend.ts';
import type { Errno } from '../errno.ts';
import type { OpArgs, OpName } from '../ops.ts';
import type { RawOp, RawResult } from './addon.ts';
import { ANY_DRIVER, NOT_ANY_DRIVERS } from '../drivers.ts';
import { DMA_HEAP_FD_FLAGS, F_SEALS, flagBits, MFD_FLAGS, O_CLOEXEC, O_RDWR, sealNames, UDMABUF_FLAGS } from '../uapi.ts';

/** src/native.h: enum nat_code, in order. */
export const NAT = {
  OPEN_DRIVER: 0, OPEN_PATH: 1, CLOSE: 2, DUP: 3, CREATE_DUMB: 4, MAP_DUMB: 5, GEM_CLOSE: 6, GEM_FLINK: 7,
  GEM_OPEN: 8, PRIME_HANDLE_TO_FD: 9, PRIME_FD_TO_HANDLE: 10, MMAP: 11, MUNMAP: 12, LSEEK: 13, MEM_WRITE: 14,
  MEM_READ: 15, SLEEP: 16, POLL: 17, FDINFO: 18, DMABUF_SYNC: 19, DMABUF_SET_NAME: 20,
  DMABUF_EXPORT_SYNC_FILE: 21, DMABUF_IMPORT_SYNC_FILE: 22, VGEM_FENCE_ATTACH: 23, VGEM_FENCE_SIGNAL: 24,
  SW_SYNC_OPEN: 25, SW_SYNC_CREATE_FENCE: 26, SW_SYNC_INC: 27, SYNC_MERGE: 28, SYNC_INFO: 29, SYNC_WAIT: 30,
  MODULE_UNLOAD: 31, MODULE_LOAD: 32, OPEN_RENDER: 33, SET_VERSION: 34, UNIX_SOCKETPAIR: 35, UNIX_SEND_FD: 36,
  UNIX_RECV_FD: 37, DRM_MINOR: 38, MEMFD_CREATE: 39, FTRUNCATE: 40, ADD_SEALS: 41, GET_SEALS: 42,
  UDMABUF_CREATE: 43, UDMABUF_CREATE_LIST: 44, DMA_HEAP_ALLOC: 45, KSELFTEST: 46,
} as const;

/** src/native.h NAT_BAD_FD: stands for an fd the scenario does not own, so the
 * kernel answers exactly as for a closed fd. */
export const BAD_FD = 0x7fffffff;

const REST = -(2 ** 63); // NAT_REST (INT64_MIN): to the end of the mapping
const FILL_INDEX8 = -1;
const FILL_INDEX32 = -2;

// The uAPI values (DRM_CLOEXEC is O_CLOEXEC and DRM_RDWR is O_RDWR, drm.h: see ../uapi.ts).
const PROT = { read: 1, write: 2 } as const;
const SEEK = { set: 0, cur: 1, end: 2 } as const;
// include/uapi/linux/dma-buf.h: DMA_BUF_SYNC_*; the sync_file ioctls take READ / WRITE.
const DMA_BUF_SYNC = { start: 0, read: 1, write: 2, end: 4 } as const;
const VGEM_FENCE_WRITE = 1;
const POLL_BITS = { in: 0x1, out: 0x4, err: 0x8, hup: 0x10, nval: 0x20 } as const;
/** Where vm/ puts the guest's modules (vm/initramfs.ts GUEST_MODULE_DIR). */
export const MODULE_DIR = '/lib/modules/primeci';

/** /proc/self/fdinfo's "key:\tvalue" lines as fields; numbers as numbers (flags stay octal text). */
export function parseFdinfo(text: string): Value {
  const fields: Record<string, Value> = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    fields[key] = /^-?\d+$/.test(value) && key !== 'flags' ? Number(value) : value;
  }
  return fields;
}

function cString(bytes: Uint8Array, start: number, size: number): string {
  const field = bytes.subarray(start, start + size);
  const end = field.indexOf(0);
  return new TextDecoder().decode(end < 0 ? field : field.subarray(0, end));
}

const SYNC_NAME = 32;
const SYNC_FENCE_INFO = 80; // struct sync_fence_info: obj_name[32] driver_name[32] status flags timestamp_ns

/** SYNC_IOC_FILE_INFO as returned by src/fences.c: status, count, then name and fence records. */
export function decodeSyncInfo(raw: RawResult): Value {
  const bytes = raw.bytes ?? new Uint8Array(SYNC_NAME);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fences: Value[] = [];
  for (let at = SYNC_NAME; at + SYNC_FENCE_INFO <= bytes.length; at += SYNC_FENCE_INFO) {
    fences.push({
      obj_name: cString(bytes, at, 32),
      driver_name: cString(bytes, at + 32, 32),
      status: view.getInt32(at + 64, true),
      timestamp_ns: Number(view.getBigUint64(at + 72, true)),
    });
  }
  return { name: cString(bytes, 0, SYNC_NAME), status: raw.value[0], num_fences: raw.value[1], fences };
}

/** The device's sysfs (/sys/dev/char/226:MINOR) or debugfs (dri/MINOR) folder. */
export function deviceDir(dir: 'sysfs' | 'debugfs', minor: number): string {
  return dir === 'sysfs' ? `/sys/dev/char/226:${minor}` : `/sys/kernel/debug/dri/${minor}`;
}

/** Every regular file of `path` and its text, as IGT's vgem_basic walks them; a
 * file the kernel refuses to read is left out, as igt_sysfs_get's NULL is. */
export function readDeviceFiles(path: string): Value {
  const files: Record<string, Value> = {};
  let names: string[];
  try {
    names = readdirSync(path);
  } catch {
    return files;
  }
  for (const name of names.sort()) {
    try {
      if (!statSync(join(path, name)).isFile()) continue;
      files[name] = readFileSync(join(path, name), 'utf8');
    } catch {
      // unreadable (write-only, EIO, ...): skipped
    }
  }
  return files;
}

/** How the session tracks the fds and mappings an op creates or releases. */
export type Effect = 'new-fd' | 'new-fd-pair' | 'closes-fd' | 'new-mapping' | 'releases-mapping';

export interface NativeOp<N extends OpName> {
  /** Arguments that are fds of the calling process; one it does not own is passed as BAD_FD. */
  fds: readonly (keyof OpArgs<N> & string)[];
  /** The same for a field of each record of a list argument (udmabuf_create_list's memfds). */
  itemFds?: { list: keyof OpArgs<N> & string; field: string };
  encode(args: OpArgs<N>): RawOp | { errno: Errno; detail: string };
  /** The value from the C result and the op's arguments (absent: the op returns nothing). */
  decode?(raw: RawResult, args: OpArgs<N>): Value;
  effect?: Effect;
}

type NativeOps = { [N in OpName]?: NativeOp<N> };

const first = (raw: RawResult): Value => raw.value[0];

/** src/ops.c open_driver: a driver name, or DRIVER_ANY as the list of drivers to pass over. */
function driverArgs(driver: string): [number[], string] {
  return driver === ANY_DRIVER ? [[1], NOT_ANY_DRIVERS.join(',')] : [[0], driver];
}

/** dma_heap_alloc's `layout`, as src/buffers.c numbers it. */
const HEAP_LAYOUT = { current: 0, older: 1, newer: 2 } as const;

/** The .ko of a module in the VM's module folder, or why there is none. */
function modulePath(name: string): string | { errno: Errno; detail: string } {
  if (!/^[\w-]+$/.test(name)) return { errno: 'EINVAL', detail: `module name ${JSON.stringify(name)}` };
  const ko = `${MODULE_DIR}/${name}.ko`;
  return existsSync(ko) ? ko : { errno: 'ENOENT', detail: `no ${ko} (the VM's module folder)` };
}

/**
 * The module parameter enabling one selftest, found as igt_kselftest_get_tests
 * finds it: a parmtype entry "igt__N__TEST:bool" of the module's .modinfo.
 */
export function selftestParam(ko: Uint8Array, test: string): string | undefined {
  const modinfo = new TextDecoder('latin1').decode(ko);
  return new RegExp(`parmtype=(igt__\\d+__${test.replace(/\W/g, '')}):`).exec(modinfo)?.[1];
}

export const NATIVE_OPS: NativeOps = {
  open: {
    fds: [],
    encode: ({ driver, path }) => {
      if ((driver === undefined) === (path === undefined)) {
        return { errno: 'EINVAL', detail: 'open needs exactly one of driver or path' };
      }
      return driver !== undefined ? [NAT.OPEN_DRIVER, ...driverArgs(driver)] : [NAT.OPEN_PATH, [], path];
    },
    decode: first,
    effect: 'new-fd',
  },
  open_render: { fds: [], encode: ({ driver }) => [NAT.OPEN_RENDER, ...driverArgs(driver)], decode: first, effect: 'new-fd' },
  set_version: {
    fds: ['fd'],
    encode: ({ fd, di_major, di_minor, dd_major, dd_minor }) => [NAT.SET_VERSION, [fd, di_major, di_minor, dd_major, dd_minor]],
    decode: ({ value: [di_major, di_minor, dd_major, dd_minor] }) => ({ di_major, di_minor, dd_major, dd_minor }),
  },
  read_device_files: {
    fds: ['fd'],
    // The C side finds the device's minor; the folder is read from JS, in this
    // process even for a forked child (the same device has the same files).
    encode: ({ fd }) => [NAT.DRM_MINOR, [fd]],
    decode: (raw, { dir }) => readDeviceFiles(deviceDir(dir, raw.value[0])),
  },
  close: { fds: ['fd'], encode: ({ fd }) => [NAT.CLOSE, [fd]], effect: 'closes-fd' },
  dup: { fds: ['fd'], encode: ({ fd }) => [NAT.DUP, [fd]], decode: first, effect: 'new-fd' },
  create_dumb: {
    fds: ['fd'],
    encode: ({ fd, width, height, bpp, flags }) => [NAT.CREATE_DUMB, [fd, width, height, bpp, flags ?? 0]],
    decode: ({ value: [handle, pitch, size] }) => ({ handle, pitch, size }),
  },
  map_dumb: { fds: ['fd'], encode: ({ fd, handle }) => [NAT.MAP_DUMB, [fd, handle]], decode: first },
  gem_close: { fds: ['fd'], encode: ({ fd, handle }) => [NAT.GEM_CLOSE, [fd, handle]] },
  gem_flink: { fds: ['fd'], encode: ({ fd, handle }) => [NAT.GEM_FLINK, [fd, handle]], decode: first },
  gem_open: {
    fds: ['fd'],
    encode: ({ fd, name }) => [NAT.GEM_OPEN, [fd, name]],
    decode: ({ value: [handle, size] }) => ({ handle, size }),
  },
  prime_handle_to_fd: {
    fds: ['fd'],
    encode: ({ fd, handle, flags }) =>
      [NAT.PRIME_HANDLE_TO_FD, [fd, handle, flagBits({ cloexec: O_CLOEXEC, rdwr: O_RDWR }, flags ?? ['cloexec'])]],
    decode: first,
    effect: 'new-fd',
  },
  prime_fd_to_handle: {
    fds: ['fd', 'dmabuf'],
    encode: ({ fd, dmabuf }) => [NAT.PRIME_FD_TO_HANDLE, [fd, dmabuf]],
    decode: first,
  },
  mmap: {
    fds: ['fd'],
    encode: ({ fd, length, offset, prot }) => {
      const bits = (prot ?? ['read', 'write']).reduce((acc, p) => acc | PROT[p], 0);
      return [NAT.MMAP, [fd, length, offset ?? 0, bits]];
    },
    decode: first,
    effect: 'new-mapping',
  },
  munmap: { fds: [], encode: ({ map }) => [NAT.MUNMAP, [map]], effect: 'releases-mapping' },
  lseek: {
    fds: ['fd'],
    encode: ({ fd, offset, whence }) => [NAT.LSEEK, [fd, offset, SEEK[whence]]],
    decode: first,
  },
  mem_write: {
    fds: [],
    encode: ({ map, offset, length, byte, pattern }) => {
      if ((byte === undefined) === (pattern === undefined)) {
        return { errno: 'EINVAL', detail: 'mem_write needs exactly one of byte or pattern' };
      }
      const fill = byte ?? (pattern === 'index8' ? FILL_INDEX8 : FILL_INDEX32);
      return [NAT.MEM_WRITE, [map, offset ?? 0, length ?? REST, fill]];
    },
  },
  mem_read: {
    fds: [],
    encode: ({ map, offset, length }) => [NAT.MEM_READ, [map, offset ?? 0, length ?? REST]],
    decode: (raw) => raw.bytes ?? new Uint8Array(0),
  },
  poll: {
    fds: ['fd'],
    encode: ({ fd, events, timeout_ms }) => [NAT.POLL, [fd, flagBits(POLL_BITS, events ?? ['in']), timeout_ms ?? 0]],
    decode: ({ value: [revents] }) => ({
      ready: revents !== 0,
      revents: (Object.keys(POLL_BITS) as (keyof typeof POLL_BITS)[]).filter((name) => revents & POLL_BITS[name]),
    }),
  },
  fdinfo: {
    fds: ['fd'],
    encode: ({ fd }) => [NAT.FDINFO, [fd]],
    decode: (raw) => parseFdinfo(new TextDecoder().decode(raw.bytes)),
  },
  dmabuf_sync: { fds: ['fd'], encode: ({ fd, flags }) => [NAT.DMABUF_SYNC, [fd, flagBits(DMA_BUF_SYNC, flags)]] },
  dmabuf_set_name: { fds: ['fd'], encode: ({ fd, name }) => [NAT.DMABUF_SET_NAME, [fd], name] },
  dmabuf_export_sync_file: {
    fds: ['fd'],
    encode: ({ fd, flags }) => [NAT.DMABUF_EXPORT_SYNC_FILE, [fd, flagBits(DMA_BUF_SYNC, flags)]],
    decode: first,
    effect: 'new-fd',
  },
  dmabuf_import_sync_file: {
    fds: ['fd', 'sync_file'],
    encode: ({ fd, sync_file, flags }) => [NAT.DMABUF_IMPORT_SYNC_FILE, [fd, sync_file, flagBits(DMA_BUF_SYNC, flags)]],
  },
  vgem_fence_attach: {
    fds: ['fd'],
    encode: ({ fd, handle, flags, pad }) =>
      [NAT.VGEM_FENCE_ATTACH, [fd, handle, flagBits({ write: VGEM_FENCE_WRITE }, flags), pad ?? 0]],
    decode: first,
  },
  vgem_fence_signal: {
    fds: ['fd'],
    encode: ({ fd, fence, flags }) => [NAT.VGEM_FENCE_SIGNAL, [fd, fence, flags ?? 0]],
  },
  sw_sync_timeline_create: { fds: [], encode: () => [NAT.SW_SYNC_OPEN, []], decode: first, effect: 'new-fd' },
  sw_sync_fence_create: {
    fds: ['timeline'],
    encode: ({ timeline, value, name }) => [NAT.SW_SYNC_CREATE_FENCE, [timeline, value], name ?? ''],
    decode: first,
    effect: 'new-fd',
  },
  sw_sync_timeline_inc: {
    fds: ['timeline'],
    encode: ({ timeline, count }) => [NAT.SW_SYNC_INC, [timeline, count ?? 1]],
  },
  sync_file_merge: {
    fds: ['fd', 'fd2'],
    encode: ({ fd, fd2, name }) => [NAT.SYNC_MERGE, [fd, fd2], name ?? 'merged'],
    decode: first,
    effect: 'new-fd',
  },
  sync_file_info: { fds: ['fd'], encode: ({ fd }) => [NAT.SYNC_INFO, [fd]], decode: decodeSyncInfo },
  sync_file_wait: { fds: ['fd'], encode: ({ fd, timeout_ms }) => [NAT.SYNC_WAIT, [fd, timeout_ms ?? -1]] },
  unix_socketpair: {
    fds: [],
    encode: () => [NAT.UNIX_SOCKETPAIR, []],
    decode: ({ value: [fd0, fd1] }) => ({ fd0, fd1 }),
    effect: 'new-fd-pair',
  },
  unix_send_fd: { fds: ['socket', 'fd'], encode: ({ socket, fd }) => [NAT.UNIX_SEND_FD, [socket, fd]] },
  unix_recv_fd: { fds: ['socket'], encode: ({ socket }) => [NAT.UNIX_RECV_FD, [socket]], decode: first, effect: 'new-fd' },
  module_unload: { fds: [], encode: ({ name }) => [NAT.MODULE_UNLOAD, [], name] },
  module_load: {
    fds: [],
    encode: ({ name }) => {
      const ko = modulePath(name);
      return typeof ko === 'string' ? [NAT.MODULE_LOAD, [], ko] : ko;
    },
  },
  kselftest_run: {
    fds: [],
    encode: ({ module, test }) => {
      const ko = modulePath(module);
      if (typeof ko !== 'string') return ko;
      const param = selftestParam(readFileSync(ko), test);
      if (!param) return { errno: 'ENOENT', detail: `${ko} has no selftest ${test} (no igt__N__${test} parameter)` };
      return [NAT.KSELFTEST, [], `${ko}\n${param}`];
    },
  },
  memfd_create: {
    fds: [],
    encode: ({ name, flags }) => [NAT.MEMFD_CREATE, [flagBits(MFD_FLAGS, flags)], name ?? 'primeci'],
    decode: first,
    effect: 'new-fd',
  },
  ftruncate: { fds: ['fd'], encode: ({ fd, size }) => [NAT.FTRUNCATE, [fd, size]] },
  memfd_add_seals: { fds: ['fd'], encode: ({ fd, seals }) => [NAT.ADD_SEALS, [fd, flagBits(F_SEALS, seals)]] },
  memfd_get_seals: { fds: ['fd'], encode: ({ fd }) => [NAT.GET_SEALS, [fd]], decode: (raw) => sealNames(raw.value[0]) },
  udmabuf_create: {
    fds: ['fd', 'memfd'],
    encode: ({ fd, memfd, offset, size, flags }) =>
      [NAT.UDMABUF_CREATE, [fd, memfd, offset, size, flagBits(UDMABUF_FLAGS, flags)]],
    decode: first,
    effect: 'new-fd',
  },
  udmabuf_create_list: {
    fds: ['fd'],
    itemFds: { list: 'items', field: 'memfd' },
    encode: ({ fd, items, flags }) => {
      const list = items.map(({ memfd, offset, size }) => `${memfd} ${offset} ${size}`).join(';');
      if (items.length > UDMABUF_LIST_MAX || list.length >= NAT_STR - 1) {
        return { errno: 'E2BIG', detail: `the native backend passes at most ${UDMABUF_LIST_MAX} items in ${NAT_STR - 2} characters (src/buffers.c)` };
      }
      return [NAT.UDMABUF_CREATE_LIST, [fd, flagBits(UDMABUF_FLAGS, flags)], list];
    },
    decode: first,
    effect: 'new-fd',
  },
  dma_heap_alloc: {
    fds: ['fd'],
    encode: ({ fd, len, fd_flags, heap_flags, layout }) =>
      [NAT.DMA_HEAP_ALLOC, [fd, len, flagBits(DMA_HEAP_FD_FLAGS, fd_flags ?? ['rdwr', 'cloexec']), heap_flags ?? 0, HEAP_LAYOUT[layout ?? 'current']]],
    decode: first,
    effect: 'new-fd',
  },
};

/** src/buffers.c MAX_ITEMS, and src/native.h NAT_STR (the op's text, with its NUL). */
const UDMABUF_LIST_MAX = 16;
const NAT_STR = 256;

export function nativeOp<N extends OpName>(op: N): NativeOp<N> | undefined {
  return NATIVE_OPS[op] as NativeOp<N> | undefined;
}

export const SLEEP_OP = (ms: number): RawOp => [NAT.SLEEP, [Math.max(0, Math.round(ms))]];
