// Runs a subtest's steps on a backend thread. Steps are coroutines so the
// simulator can interleave threads at the kernel's own preemption points.
import type { OpResult, Preempt, Thread, ThreadBody } from '../backends/backend.ts';
import { argsSchema, type OpName } from '../backends/ops.ts';
import type { Arg, AssertStep, Expectation, OpStep, Procedure, SourceLocation, Step, Suite } from './scenario/model.ts';
import { formatRef, isRef } from './scenario/refs.ts';
import { isPlainObject, patternByte, showValue, valuesEqual } from './values.ts';

type Run = Generator<Preempt, void, unknown>;

/** A check in the scenario did not hold: the subtest fails. */
export class StepFailure extends Error {
  constructor(
    readonly at: SourceLocation,
    /** Where the step sits: subtest, then procedure names. */
    readonly frames: string[],
    readonly what: string,
    message: string,
  ) {
    super(message);
    this.name = 'StepFailure';
  }
}

/** A requirement is not met: the subtest skips (IGT's igt_require). */
export class RequirementNotMet extends Error {
  constructor(readonly at: SourceLocation, readonly requirement: string) {
    super(requirement);
    this.name = 'RequirementNotMet';
  }
}

/** Bindings of one frame (subtest body, procedure call, thread). */
type Env = Map<string, unknown>;

export class Interpreter {
  constructor(private readonly suite: Suite) {}

  /** The thread body running `steps` with the initial bindings. */
  body(steps: Step[], bindings: Record<string, unknown>, frame: string): ThreadBody {
    const env: Env = new Map(Object.entries(bindings));
    return (thread) => this.steps(thread, steps, env, [frame]);
  }

  private *steps(thread: Thread, steps: Step[], env: Env, frames: string[]): Run {
    for (const step of steps) yield* this.step(thread, step, env, frames);
  }

  private *step(thread: Thread, step: Step, env: Env, frames: string[]): Run {
    switch (step.kind) {
      case 'op':
        return yield* this.op(thread, step, env, frames);
      case 'call': {
        const proc: Procedure = this.suite.procedures[step.procedure];
        const args = Object.entries(step.args).map(([k, a]) => [k, this.resolve(a, env, step.at, frames)] as const);
        return yield* this.steps(thread, proc.steps, new Map(args), [...frames, step.procedure]);
      }
      case 'repeat': {
        const values = step.values
          ? step.values.map((v) => this.resolve(v, env, step.at, frames))
          : Array.from({ length: this.count(step.count, env, step.at, frames, 'count') }, (_, i) => i);
        for (const v of values) {
          if (step.as) env.set(step.as, v);
          yield* this.steps(thread, step.steps, env, frames);
        }
        return;
      }
      case 'assert':
        return this.assert(step, env, frames);
      case 'sleep':
        return yield* thread.sleep(this.count(step.ms, env, step.at, frames, 'ms'));
      case 'parallel': {
        const threads = this.count(step.threads, env, step.at, frames, 'threads');
        const iterations = step.iterations === undefined ? undefined : this.count(step.iterations, env, step.at, frames, 'iterations');
        const duration = step.duration_ms === undefined ? undefined : this.count(step.duration_ms, env, step.at, frames, 'duration_ms');
        const bodies: ThreadBody[] = Array.from({ length: threads }, (_, index) => (t) => {
          const local: Env = new Map(env);
          if (step.as) local.set(step.as, index);
          return this.loop(t, step.steps, local, [...frames, `thread ${index}`], iterations, duration);
        });
        return yield* thread.spawn(bodies, 'thread');
      }
      case 'fork':
        return yield* thread.spawn([(t) => this.steps(t, step.steps, new Map(env), [...frames, 'child'])], 'fork');
    }
  }

  /** A parallel thread's loop: a number of iterations, or until the (virtual) deadline. */
  private *loop(thread: Thread, steps: Step[], env: Env, frames: string[], iterations?: number, durationMs?: number): Run {
    if (durationMs === undefined) {
      for (let i = 0; i < (iterations ?? 1); i++) yield* this.steps(thread, steps, env, frames);
      return;
    }
    const deadline = thread.now() + durationMs;
    while (thread.now() < deadline) yield* this.steps(thread, steps, env, frames);
  }

  private *op(thread: Thread, step: OpStep, env: Env, frames: string[]): Run {
    const raw = Object.fromEntries(Object.entries(step.args).map(([k, a]) => [k, this.resolve(a, env, step.at, frames)]));
    const parsed = argsSchema(step.op).safeParse(raw);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ');
      throw new StepFailure(step.at, frames, step.op, `invalid arguments to ${step.op} ${showValue(raw)}: ${problems}`);
    }
    const result: OpResult = yield* thread.call(step.op, parsed.data);
    if (step.require && !result.ok) {
      throw new RequirementNotMet(step.at, `${step.op} ${showValue(raw)} succeeds (it failed with -${result.errno})`);
    }
    this.checkExpectation(step, raw, result, env, frames);
    if (step.as && result.ok) env.set(step.as, result.value);
    else if (step.as && step.expect && 'may_fail' in step.expect) env.set(step.as, -1);
  }

  private checkExpectation(step: OpStep, args: Record<string, unknown>, result: OpResult, env: Env, frames: string[]): void {
    const fail = (message: string) => {
      throw new StepFailure(step.at, frames, step.op, message);
    };
    const expect: Expectation | undefined = step.expect;
    if (expect && 'errno' in expect) {
      if (result.ok) fail(`${step.op} succeeded (returned ${showValue(result.value)}), expected -${expect.errno}`);
      else if (result.errno !== expect.errno) fail(`${step.op} failed with -${result.errno}, expected -${expect.errno}${detail(result)}`);
      return;
    }
    if (expect && 'may_fail' in expect) {
      if (!result.ok && !expect.may_fail.includes(result.errno)) {
        fail(`${step.op} failed with -${result.errno}, expected success or one of ${expect.may_fail.map((e) => `-${e}`).join(', ')}${detail(result)}`);
      }
      return;
    }
    if (!result.ok) return fail(`${step.op} failed with -${result.errno}${detail(result)}`);
    if (!expect) return;
    const value = result.value;
    const want = (a: Arg) => this.resolve(a, env, step.at, frames);
    if (expect.eq !== undefined && !valuesEqual(value, want(expect.eq))) {
      fail(`${step.op} returned ${showValue(value)}, expected ${describe(expect.eq, want(expect.eq))}`);
    }
    if (expect.ne !== undefined && valuesEqual(value, want(expect.ne))) {
      fail(`${step.op} returned ${showValue(value)}, expected anything but ${describe(expect.ne, want(expect.ne))}`);
    }
    for (const [field, a] of Object.entries(expect.fields ?? {})) {
      const actual = isPlainObject(value) ? value[field] : undefined;
      if (actual === undefined) fail(`${step.op} returned ${showValue(value)}, which has no field '${field}'`);
      if (!valuesEqual(actual, want(a))) fail(`${step.op} returned ${field} = ${showValue(actual)}, expected ${describe(a, want(a))}`);
    }
    if (expect.bytes) {
      if (!(value instanceof Uint8Array)) return fail(`${step.op} returned ${showValue(value)}, not bytes`);
      const base = typeof args.offset === 'number' ? args.offset : 0;
      const byte = expect.bytes.byte === undefined ? undefined : want(expect.bytes.byte);
      const pattern = expect.bytes.pattern;
      const expected = (i: number) => (pattern ? patternByte(pattern, base + i) : (byte as number));
      const bad = value.findIndex((b, i) => b !== expected(i));
      if (bad >= 0) {
        const what = pattern ? `pattern ${pattern}` : `0x${(byte as number).toString(16)}`;
        fail(`byte at offset ${base + bad} is 0x${value[bad].toString(16)}, expected 0x${expected(bad).toString(16)} (${what})`);
      }
    }
  }

  private assert(step: AssertStep, env: Env, frames: string[]): void {
    const left = this.resolve(step.left, env, step.at, frames);
    const right = this.resolve(step.right, env, step.at, frames);
    const holds = compare(step.relation, left, right);
    if (holds === undefined) {
      throw new StepFailure(step.at, frames, 'assert', `cannot order ${showValue(left)} and ${showValue(right)}: ${step.relation} needs numbers`);
    }
    if (!holds) {
      const l = describe(step.left, left);
      const r = describe(step.right, right);
      throw new StepFailure(step.at, frames, 'assert', `${step.relation}(${l}, ${r}) does not hold`);
    }
  }

  private count(arg: Arg | undefined, env: Env, at: SourceLocation, frames: string[], what: string): number {
    const v = arg === undefined ? undefined : this.resolve(arg, env, at, frames);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new StepFailure(at, frames, what, `${what} must be a whole number ≥ 0, got ${showValue(v)}`);
    }
    return v;
  }

  /** Replaces references with their bound values. */
  private resolve(arg: Arg, env: Env, at: SourceLocation, frames: string[]): unknown {
    if (isRef(arg)) {
      if (!env.has(arg.ref)) {
        throw new StepFailure(at, frames, formatRef(arg), `${formatRef(arg)} is not bound (its step failed or was skipped)`);
      }
      let v = env.get(arg.ref);
      for (const field of arg.path) {
        if (!isPlainObject(v) || !(field in v)) {
          throw new StepFailure(at, frames, formatRef(arg), `${formatRef(arg)}: ${showValue(v)} has no field '${field}'`);
        }
        v = v[field];
      }
      return v;
    }
    if (Array.isArray(arg)) return arg.map((a) => this.resolve(a, env, at, frames));
    if (arg !== null && typeof arg === 'object') {
      return Object.fromEntries(Object.entries(arg).map(([k, a]) => [k, this.resolve(a, env, at, frames)]));
    }
    return arg;
  }
}

function compare(relation: AssertStep['relation'], a: unknown, b: unknown): boolean | undefined {
  if (relation === 'eq') return valuesEqual(a, b);
  if (relation === 'ne') return !valuesEqual(a, b);
  if (typeof a !== 'number' || typeof b !== 'number') return undefined;
  return { lt: a < b, le: a <= b, gt: a > b, ge: a >= b }[relation];
}

function describe(arg: Arg, value: unknown): string {
  return isRef(arg) ? `${showValue(value)} (${formatRef(arg)})` : showValue(value);
}

function detail(result: OpResult & { ok: false }): string {
  return result.detail ? ` (${result.detail})` : '';
}

/** Every op a list of steps may issue, following procedure calls. */
export function opsUsed(suite: Suite, steps: Step[], seen = new Set<string>()): Set<OpName> {
  const ops = new Set<OpName>();
  const visit = (list: Step[]) => {
    for (const s of list) {
      if (s.kind === 'op') ops.add(s.op);
      else if (s.kind === 'call' && !seen.has(s.procedure)) {
        seen.add(s.procedure);
        visit(suite.procedures[s.procedure].steps);
      } else if ('steps' in s) visit(s.steps);
    }
  };
  visit(steps);
  return ops;
}

