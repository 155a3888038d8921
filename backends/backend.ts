// The Backend interface: what the runner needs from a kernel, simulated or real.
// A job opens one fresh Session, runs the scenario's threads on it, reads its
// kernel log, and disposes of it.
import type { Errno } from './errno.ts';
import type { OpName } from './ops.ts';

/** What an op returns: scalars, bytes read from a mapping, or a record of those. */
export type Value =
  | number
  | string
  | boolean
  | null
  | Uint8Array
  | Value[]
  | { [field: string]: Value };

/** An op either returns a value or fails with a Linux errno, exactly as the syscall would. */
export type OpResult =
  | { ok: true; value: Value }
  | { ok: false; errno: Errno; detail?: string };

/** A precondition of a suite or subtest; unmet ones make the test skip. */
export type Requirement =
  | { driver: string } // a DRM driver is present (vgem, vkms, i915-sim, ..., or `any`: IGT's DRIVER_ANY, see drivers.ts)
  | { op: OpName } // the backend implements the op
  | { feature: string }; // a kernel feature or capability (sw_sync, dma_buf_export_sync_file, ...)

/** One kernel log record as /dev/kmsg presents it. */
export interface KmsgRecord {
  /** syslog level: 0 emerg .. 7 debug */
  level: number;
  seq: number;
  /** microseconds since boot */
  usec: number;
  message: string;
}

/** Opaque token a thread yields where the kernel path may block or be preempted. */
export interface Preempt {
  readonly preempt: true;
}

/** A scenario thread's body: a coroutine, so a simulated kernel can interleave threads. */
export type ThreadBody = (thread: Thread) => Generator<Preempt, void, unknown>;

/** The calls a scenario thread makes into its backend. */
export interface Thread {
  /** Issue one op on behalf of this thread (and its process's fd table). */
  call(op: OpName, args: Readonly<Record<string, unknown>>): Generator<Preempt, OpResult, unknown>;
  /** Sleep; virtual time on the simulator. */
  sleep(ms: number): Generator<Preempt, void, unknown>;
  /** Run the bodies as new threads of this process, or each in a forked child
   * process sharing its open files, and wait for all of them. */
  spawn(bodies: ThreadBody[], how: 'thread' | 'fork'): Generator<Preempt, void, unknown>;
  /** Milliseconds since the session started (virtual on the simulator). */
  now(): number;
}

/** How a session's run ended when no thread threw. */
export type RunOutcome =
  | { kind: 'completed' }
  /** Every thread is blocked: the machine would be hung. `report` shows the wait-for cycle. */
  | { kind: 'hung'; report: string };

export interface Session {
  /** Why this session cannot satisfy the requirement, or undefined when it can. */
  unmet(requirement: Requirement): string | undefined;
  /** Run `main` (and every thread it spawns) to the end. An exception thrown by
   * any thread body ends the run and is rethrown. */
  run(main: ThreadBody): RunOutcome;
  /** The kernel log written since the session opened. */
  kmsg(): KmsgRecord[];
  /** Release everything (close files, unmap, tear down the simulated kernel). */
  dispose(): void;
}

export type BackendName = 'sim' | 'native';

/** IGT's kernel-log marker for the start of a (dynamic) subtest. */
export function igtKmsgMarker(test: string): string {
  const [, bin, subtest, dynamic] = test.split('@');
  return dynamic === undefined
    ? `[IGT] ${bin}: starting subtest ${subtest}`
    : `[IGT] ${bin}: starting dynamic subtest ${dynamic}`;
}

/** One choice of the simulator's scheduler among the threads that could run. */
export interface ScheduleDecision {
  /** How many threads could run. */
  options: number;
  /** Index of the one that ran. */
  chosen: number;
  /** Index of the thread that ran before, when it could have gone on; -1 otherwise. */
  previous: number;
}

export interface SessionOptions {
  /** Kernel build `PROFILE[+PATCH]...` (the simulator's behaviour switches). */
  build: string;
  /** Seed of the deterministic scheduler. */
  seed: number;
  /** The job, igt@bin@subtest[@dyn]: the session marks the kernel log with it,
   * as IGT writes `[IGT] bin: starting subtest X` to /dev/kmsg. */
  test?: string;
  /**
   * Simulator only, for systematic exploration: instead of the seed, follow
   * `prefix` (indices among the runnable threads), then keep running the
   * previous thread while it can. Every decision taken is appended to `taken`.
   */
  schedule?: { prefix: readonly number[]; taken: ScheduleDecision[] };
}

export interface Backend {
  readonly name: BackendName;
  /** Why the backend cannot be used here and how to fix it, or undefined. */
  unavailable(): string | undefined;
  /** A fresh kernel (simulated) or a fresh set of files (native) for one job. */
  session(options: SessionOptions): Session;
}
