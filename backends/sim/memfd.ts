// memfd_create and file sealing (mm/memfd.c), and ftruncate (fs/open.c): the
// shmem files udmabuf turns into dma-bufs.
import type { Value } from '../backend.ts';
import { F_SEALS, flagBits, MFD_FLAGS, sealNames, type SealName } from '../uapi.ts';
import { ERR, IS_ERR, type KResult } from './errors.ts';
import { current, type KGen } from './sched.ts';
import { shmem_file, shmem_file_setup, shmem_setattr_size } from './shmem.ts';

type MfdFlag = keyof typeof MFD_FLAGS;
/** MFD_HUGETLB: hugetlbfs memfds are not modelled. */
const MFD_HUGETLB = 0x4;

/** NAME_MAX less the "memfd:" prefix. */
const MFD_NAME_MAX_LEN = 255 - 'memfd:'.length;
const MFD_ALL_FLAGS = MFD_FLAGS.cloexec | MFD_FLAGS.allow_sealing;
const F_ALL_SEALS = Object.values(F_SEALS).reduce((a, b) => a | b, 0);

/** SYSCALL_DEFINE2(memfd_create): a shmem file; without MFD_ALLOW_SEALING it keeps F_SEAL_SEAL. */
function sys_memfd_create(name: string, flags: number): KResult<number> {
  if (flags & MFD_HUGETLB) return ERR('EINVAL', 'MFD_HUGETLB: the simulator models no hugetlbfs');
  if (flags & ~MFD_ALL_FLAGS) return ERR('EINVAL', `invalid memfd_create flags 0x${(flags >>> 0).toString(16)}`);
  if (Buffer.byteLength(name) > MFD_NAME_MAX_LEN) return ERR('EINVAL', `memfd name longer than ${MFD_NAME_MAX_LEN} bytes`);
  const file = shmem_file_setup(`memfd:${name}`);
  if (flags & MFD_FLAGS.allow_sealing) shmem_file(file)!.seals &= ~F_SEALS.seal;
  return current().process.files.install(file, (flags & MFD_FLAGS.cloexec) !== 0);
}

/**
 * memfd_add_seals: only a writable file may be sealed, only with known seals,
 * and not once F_SEAL_SEAL is set. F_SEAL_WRITE needs the file unmapped for
 * writing (mapping_deny_writable) and no page pinned from outside
 * (memfd_wait_for_pins, which gives up with -EBUSY).
 */
function memfd_add_seals(fd: number, seals: number): KResult<void> {
  const file = current().process.files.fdget(fd);
  if (IS_ERR(file)) return file;
  // memfd_fcntl: "disallow upper 32bit"
  if (seals < 0 || seals > 0xffffffff) return ERR('EINVAL', 'F_ADD_SEALS takes a 32-bit seal set');
  if (!file.mode.write) return ERR('EPERM', 'F_ADD_SEALS on a file not open for writing');
  if (seals & ~F_ALL_SEALS) return ERR('EINVAL', `unknown seals 0x${(seals >>> 0).toString(16)}`);
  const inode = shmem_file(file);
  if (!inode) return ERR('EINVAL', `a ${file.f_op.name} file cannot be sealed`);
  if (inode.seals & F_SEALS.seal) return ERR('EPERM', 'the file is sealed against further seals (F_SEAL_SEAL)');
  if (seals & F_SEALS.write && !(inode.seals & F_SEALS.write)) {
    if (inode.i_mmap_writable > 0) return ERR('EBUSY', 'F_SEAL_WRITE while the file is mapped shared and writable');
    if (inode.pinned > 0) return ERR('EBUSY', `F_SEAL_WRITE while ${inode.pinned} pages are pinned (memfd_wait_for_pins)`);
    inode.i_mmap_writable = -1;
  }
  inode.seals |= seals;
}

/** memfd_get_seals: EINVAL for a file that cannot carry seals. */
function memfd_get_seals(fd: number): KResult<Value> {
  const file = current().process.files.fdget(fd);
  if (IS_ERR(file)) return file;
  const inode = shmem_file(file);
  if (!inode) return ERR('EINVAL', `a ${file.f_op.name} file has no seals`);
  return sealNames(inode.seals);
}

/** do_sys_ftruncate: a negative length or a file that is not a regular writable one is EINVAL. */
export function* sys_ftruncate(args: Readonly<Record<string, unknown>>): KGen<KResult<Value>> {
  const size = args.size as number;
  if (size < 0) return ERR('EINVAL', `negative length ${size}`);
  const file = current().process.files.fdget(args.fd as number);
  if (IS_ERR(file)) return file;
  const inode = shmem_file(file);
  if (!inode || !file.mode.write) return ERR('EINVAL', `ftruncate of a ${file.f_op.name} file`);
  const ret = shmem_setattr_size(inode, size);
  return IS_ERR(ret) ? ret : null;
}

export function* sys_memfd_create_op(args: Readonly<Record<string, unknown>>): KGen<KResult<Value>> {
  return sys_memfd_create((args.name as string | undefined) ?? 'primeci', flagBits(MFD_FLAGS, args.flags as number | MfdFlag[] | undefined));
}

export function* sys_memfd_add_seals(args: Readonly<Record<string, unknown>>): KGen<KResult<Value>> {
  const ret = memfd_add_seals(args.fd as number, flagBits(F_SEALS, args.seals as number | SealName[]));
  return IS_ERR(ret) ? ret : null;
}

export function* sys_memfd_get_seals(args: Readonly<Record<string, unknown>>): KGen<KResult<Value>> {
  return memfd_get_seals(args.fd as number);
}
