// Who runs next when several tasks are runnable. A seeded random chooser makes
// a run reproducible from its seed; a scripted one replays or enumerates the
// decisions of systematic exploration.
import type { ScheduleDecision } from '../backend.ts';
import type { Task } from './sched.ts';

export interface Chooser {
  pick(runnable: Task[], last: Task | undefined): Task;
}

/** mulberry32: a small, well-mixed 32-bit PRNG; the whole schedule follows from the seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class RandomChooser implements Chooser {
  private readonly random: () => number;
  constructor(seed: number) {
    this.random = prng(seed);
  }
  pick(runnable: Task[]): Task {
    return runnable[Math.floor(this.random() * runnable.length)];
  }
}

/**
 * Follows a prefix of decisions, then keeps running the previous task while it
 * can (no preemption), else the first runnable one. Records every decision so
 * an explorer can branch on them.
 */
export class ScriptedChooser implements Chooser {
  constructor(
    private readonly prefix: readonly number[],
    readonly taken: ScheduleDecision[] = [],
  ) {}

  pick(runnable: Task[], last: Task | undefined): Task {
    const previous = last ? runnable.indexOf(last) : -1;
    const step = this.taken.length;
    const chosen = step < this.prefix.length
      ? Math.min(this.prefix[step], runnable.length - 1)
      : Math.max(previous, 0);
    this.taken.push({ options: runnable.length, chosen, previous });
    return runnable[chosen];
  }
}
