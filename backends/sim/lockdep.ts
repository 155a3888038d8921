// Lock validator modelled on kernel/locking/lockdep.c: every acquisition is
// checked against the locks the task already holds. Taking a class it already
// holds is reported as recursive locking; adding an edge A -> B when B already
// (transitively) depends on A is reported as a circular dependency, with the
// stack saved when the old edge was first seen. Like lockdep, the first report
// turns the validator off (debug_locks_off), so one bug gives one splat.
import { cachedKernelStack, kernel_stack, type Task } from './sched.ts';

/** A lock class (lockdep's lock_class_key): every instance of a lock shares it. */
export class LockClass {
  constructor(
    readonly name: string,
    /** lockdep's usage / wait-type annotation as printed in reports. */
    readonly usage: string,
  ) {}
}

export const MUTEX_USAGE = '{+.+.}-{3:3}';
export const SPINLOCK_USAGE = '{+.+.}-{2:2}';
export const RWSEM_USAGE = '{++++}-{3:3}';
export const MAP_USAGE = '{+.+.}-{0:0}';

/** Something lockdep tracks an instance of: a mutex, a rwsem, or a pseudo-lock map (fs_reclaim). */
export interface LockInstance {
  readonly cls: LockClass;
  /** A stable fake kernel address, for report lines. */
  readonly addr: string;
}

export interface HeldLock {
  lock: LockInstance;
  /** The kernel function that took it (lockdep's "at:"). */
  at: string;
  /** A read acquisition of a rwsem (read-recursion is not reported). */
  read: boolean;
}

interface Dependency {
  /** Stack of the acquisition of the later lock when the edge was first recorded. */
  stack: string[];
}

/** The kernel stack of an acquisition, from the caller of the lock primitive. */
function fullStack(): string[] {
  return kernel_stack().filter((f) => !LOCK_PRIMITIVES.has(f));
}

/** The caller of the lock primitive; the held set tells apart the paths of one op. */
function acquireSite(task: Task, lock: LockInstance): string {
  const held = task.held.map((h) => h.lock.cls.name).join(',');
  return cachedKernelStack(`lock|${lock.cls.name}|${held}`).find((f) => !LOCK_PRIMITIVES.has(f)) ?? '?';
}

/** Lock entry points: lockdep reports the caller of these (its acquire ip). */
const LOCK_PRIMITIVES = new Set([
  'mutex_lock', 'down_read', 'down_write', 'spin_lock', 'lock_map_acquire', 'dma_resv_lock', 'dma_resv_trylock',
]);

let nextAddr = 0x1a3c000;
export function fakeLockAddress(): string {
  nextAddr += 0x40;
  return `ffff8881${nextAddr.toString(16).padStart(8, '0')}`;
}

/** Each booted machine numbers its locks from the start, so a replayed run prints the same addresses. */
export function resetLockAddresses(): void {
  nextAddr = 0x1a3c000;
}

export class Lockdep {
  /** deps.get(A).get(B): B was taken while A was held. */
  private readonly deps = new Map<LockClass, Map<LockClass, Dependency>>();
  private enabled = true;

  constructor(private readonly report: (lines: string[]) => void, private readonly kernelRelease: string) {}

  /**
   * lock_acquire: validate, then record the lock as held by `task`. A trylock
   * is only recorded: it cannot deadlock, so it adds no dependency.
   */
  acquire(task: Task, lock: LockInstance, read = false, trylock = false): void {
    const held: HeldLock = { lock, at: acquireSite(task, lock), read };
    if (this.enabled && !trylock) this.validate(task, held);
    task.held.push(held);
  }

  /** Whether lockdep recorded class `to` taken while `from` was held (a line of /proc/lockdep). */
  dependsOn(from: string, to: string): boolean {
    return [...this.deps].some(([cls, edges]) => cls.name === from && [...edges.keys()].some((next) => next.name === to));
  }

  /** lock_release */
  release(task: Task, lock: LockInstance): void {
    for (let i = task.held.length - 1; i >= 0; i--) {
      if (task.held[i].lock === lock) {
        task.held.splice(i, 1);
        return;
      }
    }
  }

  private validate(task: Task, next: HeldLock): void {
    const same = task.held.find((h) => h.lock.cls === next.lock.cls);
    if (same && !(same.read && next.read)) {
      this.enabled = false;
      this.report(this.recursiveReport(task, same, next, fullStack()));
      return;
    }
    // The stack is saved only with a dependency seen for the first time, as lockdep does.
    let stack: string[] | undefined;
    for (const prev of task.held) {
      const from = prev.lock.cls;
      const to = next.lock.cls;
      if (this.deps.get(from)?.has(to)) continue;
      stack ??= fullStack();
      const chain = this.path(to, from);
      if (chain) {
        this.enabled = false;
        this.report(this.circularReport(task, prev, next, chain, stack));
        return;
      }
      let edges = this.deps.get(from);
      if (!edges) this.deps.set(from, (edges = new Map()));
      edges.set(to, { stack });
    }
  }

  /** A dependency path from -> ... -> to, as the classes along it. */
  private path(from: LockClass, to: LockClass): LockClass[] | undefined {
    const parent = new Map<LockClass, LockClass | null>([[from, null]]);
    const queue = [from];
    while (queue.length) {
      const cls = queue.shift()!;
      if (cls === to) {
        const chain: LockClass[] = [];
        for (let c: LockClass | null = cls; c; c = parent.get(c) ?? null) chain.unshift(c);
        return chain;
      }
      for (const nextCls of this.deps.get(cls)?.keys() ?? []) {
        if (!parent.has(nextCls)) {
          parent.set(nextCls, cls);
          queue.push(nextCls);
        }
      }
    }
    return undefined;
  }

  private lockLine(h: HeldLock): string {
    return `${h.lock.addr} (${h.lock.cls.name})${h.lock.cls.usage}, at: ${h.at}`;
  }

  private heldLines(task: Task): string[] {
    const who = `${task.comm}/${task.pid}`;
    const lines = [`${task.held.length} lock${task.held.length === 1 ? '' : 's'} held by ${who}:`];
    task.held.forEach((h, i) => lines.push(` #${i}: ${this.lockLine(h)}`));
    return lines;
  }

  private backtrace(task: Task, stack: string[]): string[] {
    return [
      'stack backtrace:',
      `CPU: 0 PID: ${task.pid} Comm: ${task.comm} Not tainted ${this.kernelRelease} #1`,
      'Call Trace:',
      ' <TASK>',
      ...stack.map((f) => ` ${f}`),
      ' </TASK>',
    ];
  }

  private recursiveReport(task: Task, held: HeldLock, next: HeldLock, stack: string[]): string[] {
    const name = next.lock.cls.name;
    return [
      '',
      '============================================',
      'WARNING: possible recursive locking detected',
      `${this.kernelRelease} #1 Not tainted`,
      '--------------------------------------------',
      `${task.comm}/${task.pid} is trying to acquire lock:`,
      this.lockLine(next),
      '',
      'but task is already holding lock:',
      this.lockLine(held),
      '',
      'other info that might help us debug this:',
      ' Possible unsafe locking scenario:',
      '',
      '       CPU0',
      '       ----',
      `  lock(${name});`,
      `  lock(${name});`,
      '',
      ' *** DEADLOCK ***',
      '',
      ' May be due to missing lock nesting notation',
      '',
      ...this.heldLines(task),
      '',
      ...this.backtrace(task, stack),
    ];
  }

  private circularReport(task: Task, prev: HeldLock, next: HeldLock, chain: LockClass[], stack: string[]): string[] {
    // chain runs next -> ... -> prev: the existing dependencies, printed in reverse.
    const lines = [
      '',
      '======================================================',
      'WARNING: possible circular locking dependency detected',
      `${this.kernelRelease} #1 Not tainted`,
      '------------------------------------------------------',
      `${task.comm}/${task.pid} is trying to acquire lock:`,
      this.lockLine(next),
      '',
      'but task is already holding lock:',
      this.lockLine(prev),
      '',
      'which lock already depends on the new lock.',
      '',
      '',
      'the existing dependency chain (in reverse order) is:',
    ];
    const entries: { cls: LockClass; stack: string[] }[] = [{ cls: prev.lock.cls, stack: [] }];
    for (let i = chain.length - 1; i > 0; i--) {
      entries[entries.length - 1].stack = this.deps.get(chain[i - 1])!.get(chain[i])!.stack;
      entries.push({ cls: chain[i - 1], stack: [] });
    }
    entries[entries.length - 1].stack = stack;
    entries.forEach((e, i) => {
      lines.push('', `-> #${entries.length - 1 - i} (${e.cls.name})${e.cls.usage}:`);
      for (const f of e.stack) lines.push(`       ${f}`);
    });
    const a = prev.lock.cls.name;
    const b = next.lock.cls.name;
    lines.push(
      '',
      'other info that might help us debug this:',
      '',
      ' Possible unsafe locking scenario:',
      '',
      '       CPU0                    CPU1',
      '       ----                    ----',
      `  lock(${a});`,
      `                               lock(${b});`,
      `                               lock(${a});`,
      `  lock(${b});`,
      '',
      ' *** DEADLOCK ***',
      '',
      ...this.heldLines(task),
      '',
      ...this.backtrace(task, stack),
    );
    return lines;
  }
}
