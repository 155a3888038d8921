// Sleeping locks and spinlocks (kernel/locking/mutex.c, rwsem.c, spinlock.c).
// Lockdep sees the acquisition before the task waits, as in the kernel, so a
// recursive acquisition is reported and then the task sleeps forever.
import {
  LockClass, MAP_USAGE, MUTEX_USAGE, RWSEM_USAGE, SPINLOCK_USAGE, fakeLockAddress, type LockInstance,
} from './lockdep.ts';
import { current, might_sleep, wait_event, type KGen, type Task } from './sched.ts';

export class Mutex implements LockInstance {
  owner: Task | undefined;
  readonly addr = fakeLockAddress();
  constructor(readonly cls: LockClass) {}
}

/** A mutex class, e.g. mutexClass('&dev->object_name_lock'). */
export function mutexClass(name: string): LockClass {
  return new LockClass(name, MUTEX_USAGE);
}

export function spinlockClass(name: string): LockClass {
  return new LockClass(name, SPINLOCK_USAGE);
}

/** mutex_lock: lockdep first, then sleep until the owner releases it. */
export function* mutex_lock(lock: Mutex): KGen<void> {
  const task = current();
  task.kernel.lockdep.acquire(task, lock);
  yield* might_sleep();
  while (lock.owner) {
    yield* wait_event({
      what: `mutex_lock(${lock.cls.name})`,
      ready: () => !lock.owner,
      holder: () => lock.owner,
    });
  }
  lock.owner = task;
}

export function mutex_unlock(lock: Mutex): void {
  const task = current();
  lock.owner = undefined;
  task.kernel.lockdep.release(task, lock);
}

/** A spinlock: its holder never sleeps, so no other task can find it taken. */
export class SpinLock implements LockInstance {
  readonly addr = fakeLockAddress();
  constructor(readonly cls: LockClass) {}
}

export function spin_lock(lock: SpinLock): void {
  const task = current();
  task.kernel.lockdep.acquire(task, lock);
}

export function spin_unlock(lock: SpinLock): void {
  const task = current();
  task.kernel.lockdep.release(task, lock);
}

/** A read-write semaphore (mm->mmap_lock). */
export class RwSemaphore implements LockInstance {
  writer: Task | undefined;
  readers = 0;
  readonly addr = fakeLockAddress();
  readonly cls: LockClass;
  constructor(name: string) {
    this.cls = new LockClass(name, RWSEM_USAGE);
  }
}

export function* down_write(sem: RwSemaphore): KGen<void> {
  const task = current();
  task.kernel.lockdep.acquire(task, sem);
  yield* might_sleep();
  while (sem.writer || sem.readers) {
    yield* wait_event({
      what: `down_write(${sem.cls.name})`,
      ready: () => !sem.writer && !sem.readers,
      holder: () => sem.writer,
    });
  }
  sem.writer = task;
}

export function up_write(sem: RwSemaphore): void {
  const task = current();
  sem.writer = undefined;
  task.kernel.lockdep.release(task, sem);
}

export function* down_read(sem: RwSemaphore): KGen<void> {
  const task = current();
  task.kernel.lockdep.acquire(task, sem, true);
  yield* might_sleep();
  while (sem.writer) {
    yield* wait_event({ what: `down_read(${sem.cls.name})`, ready: () => !sem.writer, holder: () => sem.writer });
  }
  sem.readers++;
}

export function up_read(sem: RwSemaphore): void {
  const task = current();
  sem.readers--;
  task.kernel.lockdep.release(task, sem);
}

/** A lockdep map with no lock behind it (fs_reclaim_map): only teaches lockdep an order. */
export class LockdepMap implements LockInstance {
  readonly addr = fakeLockAddress();
  readonly cls: LockClass;
  constructor(name: string) {
    this.cls = new LockClass(name, MAP_USAGE);
  }
}

export function lock_map_acquire(map: LockdepMap): void {
  const task = current();
  task.kernel.lockdep.acquire(task, map);
}

export function lock_map_release(map: LockdepMap): void {
  const task = current();
  task.kernel.lockdep.release(task, map);
}
