// Shared helpers for the simulator's tests: boot a machine, run a body on it,
// unwrap op results.
import type { OpResult, RunOutcome, Thread, Value } from '../../backends/backend.ts';
import type { Errno } from '../../backends/errno.ts';
import { RandomChooser, type Chooser } from '../../backends/sim/chooser.ts';
import { parseBuild } from '../../backends/sim/profile.ts';
import { SimSession } from '../../backends/sim/session.ts';

export type Body = (t: Thread) => Generator<import('../../backends/backend.ts').Preempt, void, unknown>;

export function boot(build = 'mainline', chooser: Chooser = new RandomChooser(1)): SimSession {
  const parsed = parseBuild(build);
  if (!parsed.ok) throw new Error(parsed.error);
  return new SimSession(parsed, chooser);
}

/** Run `body` on a fresh machine; returns the session (for its log and state) and the outcome. */
export function run(body: Body, build = 'mainline', chooser?: Chooser): { session: SimSession; outcome: RunOutcome } {
  const session = boot(build, chooser);
  const outcome = session.run(body);
  return { session, outcome };
}

export function ok(result: OpResult): Value {
  if (!result.ok) throw new Error(`expected success, got ${result.errno}${result.detail ? ` (${result.detail})` : ''}`);
  return result.value;
}

export function num(result: OpResult): number {
  const v = ok(result);
  if (typeof v !== 'number') throw new Error(`expected a number, got ${JSON.stringify(v)}`);
  return v;
}

export function rec(result: OpResult): Record<string, Value> {
  const v = ok(result);
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) {
    throw new Error(`expected a record, got ${JSON.stringify(v)}`);
  }
  return v;
}

export function bytes(result: OpResult): Uint8Array {
  const v = ok(result);
  if (!(v instanceof Uint8Array)) throw new Error(`expected bytes, got ${JSON.stringify(v)}`);
  return v;
}

/** The errno of a failed op, or 'ok' when it succeeded. */
export function errno(result: OpResult): Errno | 'ok' {
  return result.ok ? 'ok' : result.errno;
}

/** Kernel log text of a session. */
export function dmesg(session: SimSession): string {
  return session.kmsg().map((r) => r.message).join('\n');
}
