// The scenario model: what a suite YAML file means once loaded and validated.
// Every step keeps its source location so failures point at the YAML line.
import type { Requirement } from '../../backends/backend.ts';
import type { Errno } from '../../backends/errno.ts';
import type { OpName } from '../../backends/ops.ts';

export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** A literal from the YAML, or a reference `$name` / `$name.field` to an earlier binding. */
export type Arg = null | boolean | number | string | Ref | Arg[] | { [key: string]: Arg };

export interface Ref {
  ref: string;
  /** `$bo.handle` → name "bo", path ["handle"] */
  path: string[];
}

export interface Suite {
  name: string;
  summary: string;
  /** The IGT source this suite mirrors, e.g. tests/intel/prime_self_import.c */
  igt?: string;
  /** A deliberate difference from IGT shared by every subtest (docs/coverage.md shows it). */
  differs?: string;
  file: string;
  requires: Requirement[];
  /** Steps run before every subtest (each job has a fresh kernel). */
  fixture: Step[];
  procedures: Record<string, Procedure>;
  subtests: Subtest[];
}

export interface Procedure {
  params: string[];
  steps: Step[];
  at: SourceLocation;
}

export interface Subtest {
  name: string;
  summary?: string;
  /** A deliberate difference from the IGT subtest, and why (docs/coverage.md shows it). */
  differs?: string;
  requires: Requirement[];
  steps: Step[];
  /** Dynamic subtests (IGT's igt_dynamic): one job each, named subtest@dynamic. */
  dynamic?: DynamicSubtest[];
  at: SourceLocation;
}

export interface DynamicSubtest {
  name: string;
  /** Bindings visible to the subtest's steps, e.g. {engine: "rcs0"}. */
  bindings: Record<string, Arg>;
  requires: Requirement[];
}

/** What a step's result must be; absent means "must succeed". */
export type Expectation =
  | { errno: Errno }
  /** A race decides: success, or one of these errnos (then `as` binds -1, what the ioctl leaves in its out field). */
  | { may_fail: Errno[] }
  | {
      eq?: Arg;
      ne?: Arg;
      /** Every byte read equals `byte`, or follows `pattern`. */
      bytes?: BytesMatch;
      /** Equality of named fields of a record result. */
      fields?: Record<string, Arg>;
    };

/** Every byte equals `byte`, or the bytes follow `pattern` (see mem_write). */
export interface BytesMatch {
  byte?: Arg;
  pattern?: 'index8' | 'index32';
}

export type Step =
  | OpStep
  | CallStep
  | RepeatStep
  | AssertStep
  | SleepStep
  | ParallelStep
  | ForkStep;

interface StepBase {
  at: SourceLocation;
}

export interface OpStep extends StepBase {
  kind: 'op';
  op: OpName;
  args: Record<string, Arg>;
  as?: string;
  expect?: Expectation;
  /** igt_require on the call: if the op fails, the subtest skips (the kernel lacks it). */
  require?: boolean;
}

export interface CallStep extends StepBase {
  kind: 'call';
  procedure: string;
  args: Record<string, Arg>;
}

export interface RepeatStep extends StepBase {
  kind: 'repeat';
  /** `count` iterations binding 0..count-1, or one per element of `values`. */
  count?: Arg;
  values?: Arg[];
  as?: string;
  steps: Step[];
}

export interface AssertStep extends StepBase {
  kind: 'assert';
  relation: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
  left: Arg;
  right: Arg;
}

export interface SleepStep extends StepBase {
  kind: 'sleep';
  ms: Arg;
}

/** Threads of the same process running the same steps, for races. */
export interface ParallelStep extends StepBase {
  kind: 'parallel';
  threads: Arg;
  /** Loop the steps this many times per thread, or until this much time has passed. */
  iterations?: Arg;
  duration_ms?: Arg;
  /** Each thread binds its index (0..threads-1) under this name. */
  as?: string;
  steps: Step[];
}

/** A child process that shares the parent's open files and runs the steps. */
export interface ForkStep extends StepBase {
  kind: 'fork';
  steps: Step[];
}
