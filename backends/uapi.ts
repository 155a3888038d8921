// uAPI flag values of the memfd, udmabuf and dma-heap ops, written once for
// both backends: the simulator checks them as the kernel does, the native
// backend passes them to the real syscalls (whose C side takes the same values
// from the system headers).

/** include/uapi/asm-generic/fcntl.h: access modes and O_CLOEXEC. */
export const O_ACCMODE = 0o3;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_CLOEXEC = 0o2000000;

/** include/uapi/linux/memfd.h: memfd_create flags (MFD_HUGETLB is not offered). */
export const MFD_FLAGS = { cloexec: 0x1, allow_sealing: 0x2 } as const;

/** include/uapi/linux/fcntl.h: F_SEAL_*, in bit order. */
export const F_SEALS = { seal: 0x1, shrink: 0x2, grow: 0x4, write: 0x8, future_write: 0x10 } as const;
export type SealName = keyof typeof F_SEALS;

/** include/uapi/linux/udmabuf.h */
export const UDMABUF_FLAGS = { cloexec: 0x1 } as const;

/** include/uapi/linux/dma-heap.h: DMA_HEAP_VALID_FD_FLAGS is O_CLOEXEC | O_ACCMODE. */
export const DMA_HEAP_FD_FLAGS = { wronly: O_WRONLY, rdwr: O_RDWR, cloexec: O_CLOEXEC } as const;

/** A flag set from symbolic names, or the raw integer a scenario gives to feed the kernel bad bits. */
export function flagBits<K extends string>(table: Readonly<Record<K, number>>, flags: number | readonly K[] | undefined): number {
  if (typeof flags === 'number') return flags;
  return (flags ?? []).reduce((acc, name) => acc | table[name], 0);
}

/** The names of the seals set in `bits`, in bit order (what memfd_get_seals returns). */
export function sealNames(bits: number): SealName[] {
  return (Object.keys(F_SEALS) as SealName[]).filter((name) => bits & F_SEALS[name]);
}
