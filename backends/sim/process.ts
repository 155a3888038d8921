// A process: its fd table (fs/file.c files_struct) and address space. Threads
// share both; fork copies the fd table (same open files) and the mappings.
import { ERR, type KResult } from './errors.ts';
import { File, fput, get_file, task_work_run, type FileOperations } from './file.ts';
import { exit_mmap, dup_mmap, Mm } from './mm.ts';
import type { KGen } from './sched.ts';

interface FdEntry {
  file: File;
  cloexec: boolean;
}

/** What fds 0-2 point at: a terminal that cannot seek, map or take ioctls. */
const ttyFops: FileOperations = { name: 'tty' };

export class FdTable {
  readonly fds = new Map<number, FdEntry>();

  /** get_unused_fd_flags + fd_install: the lowest free number. */
  install(file: File, cloexec: boolean): number {
    let fd = 0;
    while (this.fds.has(fd)) fd++;
    this.fds.set(fd, { file, cloexec });
    return fd;
  }

  /** fdget: the file behind an fd, without a new reference (the table's one keeps it alive). */
  fdget(fd: number): KResult<File> {
    const entry = this.fds.get(fd);
    return entry ? entry.file : ERR('EBADF', `fd ${fd} is not open`);
  }

  cloexec(fd: number): boolean | undefined {
    return this.fds.get(fd)?.cloexec;
  }

  /** close_fd: the file's release (if this was the last reference) runs as task work. */
  close(fd: number): KResult<void> {
    const entry = this.fds.get(fd);
    if (!entry) return ERR('EBADF', `fd ${fd} is not open`);
    this.fds.delete(fd);
    fput(entry.file);
  }

  /** dup_fd (fork): same open files, new table. */
  copy(): FdTable {
    const copy = new FdTable();
    for (const [fd, entry] of this.fds) copy.fds.set(fd, { file: get_file(entry.file), cloexec: entry.cloexec });
    return copy;
  }

  closeAll(): void {
    for (const fd of [...this.fds.keys()]) this.close(fd);
  }
}

export class Process {
  readonly mm = new Mm();
  /** Threads still running in this process. */
  threads = 0;

  constructor(
    readonly pid: number,
    readonly comm: string,
    readonly files: FdTable,
  ) {}

  static init(pid: number, comm: string): Process {
    const files = new FdTable();
    for (let i = 0; i < 3; i++) files.install(new File(ttyFops, null, { read: true, write: true }, 2), false);
    return new Process(pid, comm, files);
  }

  /** copy_process for fork(): shared open files, copied mappings. */
  fork(pid: number): Process {
    const child = new Process(pid, this.comm, this.files.copy());
    dup_mmap(this.mm, child.mm);
    return child;
  }

  /** do_exit of the last thread: exit_mm, exit_files. */
  *exit(): KGen<void> {
    yield* exit_mmap(this.mm);
    this.files.closeAll();
    yield* task_work_run();
  }
}
