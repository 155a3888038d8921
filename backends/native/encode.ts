// The native implementation of each op in backends/ops.ts: how its arguments
// become a C op (src/native.h: enum nat_code) and how the C result becomes the
// op's value. An op missing here is not available natively.
import type { Value } from '../backend.ts';
import type { Errno } from '../errno.ts';
import type { OpArgs, OpName } from '../ops.ts';
import type { RawOp, RawResult } from './addon.ts';

/** src/native.h: enum nat_code, in order. */
export const NAT = {
  OPEN_DRIVER: 0, OPEN_PATH: 1, CLOSE: 2, DUP: 3, CREATE_DUMB: 4, MAP_DUMB: 5, GEM_CLOSE: 6, GEM_FLINK: 7,
  GEM_OPEN: 8, PRIME_HANDLE_TO_FD: 9, PRIME_FD_TO_HANDLE: 10, MMAP: 11, MUNMAP: 12, LSEEK: 13, MEM_WRITE: 14,
  MEM_READ: 15, SLEEP: 16,
} as const;

const REST = -(2 ** 63); // NAT_REST (INT64_MIN): to the end of the mapping
const FILL_INDEX8 = -1;
const FILL_INDEX32 = -2;

// The uAPI values: DRM_CLOEXEC is O_CLOEXEC and DRM_RDWR is O_RDWR (drm.h).
const O_RDWR = 0o2;
const O_CLOEXEC = 0o2000000;
const PROT = { read: 1, write: 2 } as const;
const SEEK = { set: 0, cur: 1, end: 2 } as const;

/** How the session tracks the fds and mappings an op creates or releases. */
export type Effect = 'new-fd' | 'closes-fd' | 'new-mapping' | 'releases-mapping';

export interface NativeOp<N extends OpName> {
  /** Arguments that are fds of the calling process (EBADF if it does not own them). */
  fds: readonly (keyof OpArgs<N> & string)[];
  encode(args: OpArgs<N>): RawOp | { errno: Errno; detail: string };
  decode(raw: RawResult): Value;
  effect?: Effect;
}

type NativeOps = { [N in OpName]?: NativeOp<N> };

const first = (raw: RawResult): Value => raw.value[0];
const nothing = (): Value => null;

function flagBits(flags: number | readonly ('cloexec' | 'rdwr')[] | undefined): number {
  if (typeof flags === 'number') return flags;
  let bits = 0;
  for (const name of flags ?? ['cloexec']) bits |= name === 'cloexec' ? O_CLOEXEC : O_RDWR;
  return bits;
}

export const NATIVE_OPS: NativeOps = {
  open: {
    fds: [],
    encode: ({ driver, path }) => {
      if ((driver === undefined) === (path === undefined)) {
        return { errno: 'EINVAL', detail: 'open needs exactly one of driver or path' };
      }
      return driver !== undefined ? [NAT.OPEN_DRIVER, [], driver] : [NAT.OPEN_PATH, [], path];
    },
    decode: first,
    effect: 'new-fd',
  },
  close: { fds: ['fd'], encode: ({ fd }) => [NAT.CLOSE, [fd]], decode: nothing, effect: 'closes-fd' },
  dup: { fds: ['fd'], encode: ({ fd }) => [NAT.DUP, [fd]], decode: first, effect: 'new-fd' },
  create_dumb: {
    fds: ['fd'],
    encode: ({ fd, width, height, bpp, flags }) => [NAT.CREATE_DUMB, [fd, width, height, bpp, flags ?? 0]],
    decode: ({ value: [handle, pitch, size] }) => ({ handle, pitch, size }),
  },
  map_dumb: { fds: ['fd'], encode: ({ fd, handle }) => [NAT.MAP_DUMB, [fd, handle]], decode: first },
  gem_close: { fds: ['fd'], encode: ({ fd, handle }) => [NAT.GEM_CLOSE, [fd, handle]], decode: nothing },
  gem_flink: { fds: ['fd'], encode: ({ fd, handle }) => [NAT.GEM_FLINK, [fd, handle]], decode: first },
  gem_open: {
    fds: ['fd'],
    encode: ({ fd, name }) => [NAT.GEM_OPEN, [fd, name]],
    decode: ({ value: [handle, size] }) => ({ handle, size }),
  },
  prime_handle_to_fd: {
    fds: ['fd'],
    encode: ({ fd, handle, flags }) => [NAT.PRIME_HANDLE_TO_FD, [fd, handle, flagBits(flags)]],
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
  munmap: { fds: [], encode: ({ map }) => [NAT.MUNMAP, [map]], decode: nothing, effect: 'releases-mapping' },
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
    decode: nothing,
  },
  mem_read: {
    fds: [],
    encode: ({ map, offset, length }) => [NAT.MEM_READ, [map, offset ?? 0, length ?? REST]],
    decode: (raw) => raw.bytes ?? new Uint8Array(0),
  },
};

export function nativeOp<N extends OpName>(op: N): NativeOp<N> | undefined {
  return NATIVE_OPS[op] as NativeOp<N> | undefined;
}

export const SLEEP_OP = (ms: number): RawOp => [NAT.SLEEP, [Math.max(0, Math.round(ms))]];
