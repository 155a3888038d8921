// The scheduler: tasks are coroutines, kernel paths yield PREEMPT wherever the
// real code may sleep or be preempted, and a seeded chooser decides which
// runnable task goes next. Time is virtual (microseconds): it advances by a
// fixed cost per syscall and jumps to the next timer when every task sleeps.
import type { Preempt } from '../backend.ts';
import type { Chooser } from './chooser.ts';
import type { Kernel } from './kernel.ts';
import type { HeldLock } from './lockdep.ts';
import type { Process } from './process.ts';

export const PREEMPT: Preempt = Object.freeze({ preempt: true as const });

/** A kernel path: runs until it returns, yielding where it may sleep. */
export type KGen<T> = Generator<Preempt, T, unknown>;

/** What a sleeping task waits for (a wait queue entry with its condition). */
export interface Wait {
  /** For the hung-task and wait-for reports, e.g. "mutex_lock(&dev->object_name_lock)". */
  what: string;
  ready(): boolean;
  /** Virtual time (µs) at which the wait times out. */
  deadline?: number;
  /** The task that must act before this one can go on (a lock's owner). */
  holder?(): Task | undefined;
}

export class Task {
  wait: Wait | undefined;
  /** Set when the wait ended by its deadline rather than by its condition. */
  timedOut = false;
  done = false;
  /** Locks held, in acquisition order (lockdep's held_locks). */
  readonly held: HeldLock[] = [];
  /** Work to run before returning to user space (task_work_add). */
  readonly task_works: (() => KGen<void>)[] = [];
  /** The kernel stack at the point the task went to sleep (hung-task report). */
  sleepStack: string[] = [];
  /** The op (system call) the task is in, part of the key of cached stacks. */
  op = '';

  constructor(
    readonly kernel: Kernel,
    readonly pid: number,
    readonly process: Process,
    readonly gen: KGen<void>,
  ) {}

  get comm(): string {
    return this.process.comm;
  }
}

let currentTask: Task | undefined;

/** The running task, as the kernel's `current`. */
export function current(): Task {
  if (!currentTask) throw new Error('sim: kernel code ran outside a task');
  return currentTask;
}

/** Whether kernel code runs on behalf of a task (not in a timer fired while all sleep). */
export function in_task(): boolean {
  return currentTask !== undefined;
}

/** A preemption point (cond_resched / might_sleep): another task may run here. */
export function* might_sleep(): KGen<void> {
  yield PREEMPT;
}

/** Sleep until `wait.ready()` or its deadline (wait_event_timeout); true when ready. */
export function* wait_event(wait: Wait): KGen<boolean> {
  const task = current();
  if (wait.ready()) return true;
  task.sleepStack = cachedKernelStack(`sleep|${wait.what}`);
  task.wait = wait;
  task.timedOut = false;
  yield PREEMPT;
  return !task.timedOut;
}

/**
 * The kernel functions on the JS stack, innermost first: the snake_case
 * functions of backends/sim (and of the simulator's tests). Helpers that are not kernel functions are named
 * in camelCase and so stay out of reports.
 */
export function kernel_stack(depth = 200): string[] {
  // Structured call sites: no text formatting, no source-map lookups.
  const saved = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  Error.prepareStackTrace = (_error, sites) => sites;
  Error.stackTraceLimit = depth;
  const holder: { stack?: NodeJS.CallSite[] } = {};
  Error.captureStackTrace(holder, kernel_stack);
  const sites = holder.stack ?? [];
  Error.prepareStackTrace = saved;
  Error.stackTraceLimit = limit;
  const frames: string[] = [];
  for (const site of sites) {
    const name = site.getFunctionName();
    if (name && KERNEL_FUNCTION.test(name) && site.getFileName()?.includes('/sim/')) frames.push(name);
  }
  return frames;
}

const KERNEL_FUNCTION = /^[a-z][a-z0-9]*_[a-z0-9_]*$/;

const stackCache = new Map<string, string[]>();

/**
 * The kernel stack at a point identified by `what` in the current task's op on
 * this build: walking the JS stack costs tens of microseconds, and the same
 * op reaches the same point through the same functions, so each path is
 * walked once.
 */
export function cachedKernelStack(what: string): string[] {
  const task = current();
  const key = `${task.kernel.buildName}|${task.op}|${what}`;
  let stack = stackCache.get(key);
  if (!stack) {
    stack = kernel_stack();
    stackCache.set(key, stack);
  }
  return stack;
}

interface Timer {
  at: number;
  seq: number;
  fire(): void;
}

export type RunEnd =
  | { kind: 'completed' }
  | { kind: 'hung'; blocked: Task[] }
  | { kind: 'threw'; error: unknown };

export class Scheduler {
  readonly tasks: Task[] = [];
  /** Virtual time in microseconds since boot. */
  now = 0;
  private timers: Timer[] = [];
  private timerSeq = 0;
  private last: Task | undefined;

  constructor(private readonly chooser: Chooser) {}

  add(task: Task): void {
    this.tasks.push(task);
  }

  /** add_timer: call `fire` at virtual time `at` (µs). */
  addTimer(at: number, fire: () => void): void {
    this.timers.push({ at, seq: this.timerSeq++, fire });
    this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  /** Let virtual time pass, firing the timers that expire on the way. */
  advance(us: number): void {
    this.advanceTo(this.now + us);
  }

  private advanceTo(t: number): void {
    while (this.timers.length && this.timers[0].at <= t) {
      const timer = this.timers.shift()!;
      this.now = Math.max(this.now, timer.at);
      timer.fire();
    }
    this.now = Math.max(this.now, t);
  }

  /** Runnable: not sleeping, or its condition holds, or its timeout passed. */
  private runnable(): Task[] {
    return this.tasks.filter((t) => !t.done && (!t.wait || t.wait.ready() || (t.wait.deadline ?? Infinity) <= this.now));
  }

  /** Run every task to completion, to a hang, or to the first exception. */
  run(): RunEnd {
    for (;;) {
      const live = this.tasks.filter((t) => !t.done);
      if (live.length === 0) return { kind: 'completed' };
      const runnable = this.runnable();
      if (runnable.length === 0) {
        const next = this.nextEvent(live);
        if (next === undefined) return { kind: 'hung', blocked: live };
        this.advanceTo(next);
        continue;
      }
      const task = runnable.length === 1 ? runnable[0] : this.chooser.pick(runnable, this.last);
      this.last = task;
      task.timedOut = task.wait !== undefined && !task.wait.ready();
      task.wait = undefined;
      currentTask = task;
      try {
        if (task.gen.next().done) task.done = true;
      } catch (error) {
        return { kind: 'threw', error };
      } finally {
        currentTask = undefined;
      }
    }
  }

  /** The earliest timer or wait deadline, when every live task sleeps. */
  private nextEvent(live: Task[]): number | undefined {
    let next = this.timers.length ? this.timers[0].at : undefined;
    for (const t of live) {
      const d = t.wait?.deadline;
      if (d !== undefined && (next === undefined || d < next)) next = d;
    }
    return next;
  }
}
