// Linux errno names and values (include/uapi/asm-generic/errno-base.h, errno.h).
// Backends report errors by name; the number is kept for native results and messages.
export const ERRNO = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8,
  EBADF: 9, ECHILD: 10, EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, EBUSY: 16,
  EEXIST: 17, EXDEV: 18, ENODEV: 19, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23,
  EMFILE: 24, ENOTTY: 25, EFBIG: 27, ENOSPC: 28, ESPIPE: 29, EROFS: 30, EPIPE: 32,
  EDOM: 33, ERANGE: 34, EDEADLK: 35, ENAMETOOLONG: 36, ENOSYS: 38, ENODATA: 61,
  ETIME: 62, EOVERFLOW: 75, EBADFD: 77, ENOTSOCK: 88, EOPNOTSUPP: 95, ENOTCONN: 107, ETIMEDOUT: 110, ECONNREFUSED: 111,
  EALREADY: 114, EINPROGRESS: 115, ECANCELED: 125,
} as const;

export type Errno = keyof typeof ERRNO;

export const ERRNO_NAMES = Object.keys(ERRNO) as Errno[];

export function isErrno(name: unknown): name is Errno {
  return typeof name === 'string' && Object.hasOwn(ERRNO, name);
}

const BY_NUMBER = new Map<number, Errno>(ERRNO_NAMES.map((name) => [ERRNO[name], name]));

/** The name of a Linux errno number, if this table has it. */
export function errnoName(n: number): Errno | undefined {
  return BY_NUMBER.get(n);
}
