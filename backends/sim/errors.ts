// Kernel-style error returns: a path returns a value or an errno, as the kernel
// returns a value or -EINVAL / ERR_PTR(-EINVAL). Nothing in the model throws for a
// condition the kernel reports to user space.
import type { Errno } from '../errno.ts';

export class KErr {
  constructor(
    readonly errno: Errno,
    /** Which check failed, for the scenario's failure message (the kernel's errno alone is terse). */
    readonly detail?: string,
  ) {}
}

/** A kernel result: the value, or the errno the syscall would return. */
export type KResult<T> = T | KErr;

export function ERR(errno: Errno, detail?: string): KErr {
  return new KErr(errno, detail);
}

export function IS_ERR(value: unknown): value is KErr {
  return value instanceof KErr;
}
