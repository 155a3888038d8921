// Driving the native backend from a guest check script: a session whose main
// thread runs a body, and op calls unwrapped without a scheduler.
import type { OpResult, Session, Thread } from '../../../backends/backend.ts';
import type { OpName } from '../../../backends/ops.ts';
import { nativeBackend } from '../../../backends/native/index.ts';

export function call(thread: Thread, op: OpName, args: Record<string, unknown>): OpResult {
  const gen = thread.call(op, args);
  let step = gen.next();
  while (!step.done) step = gen.next();
  return step.value;
}

export function ok(r: OpResult): any {
  if (!r.ok) throw new Error(`unexpected -${r.errno}${r.detail ? ` (${r.detail})` : ''}`);
  return r.value;
}

/** A session whose main thread is handed to `body`, disposed afterwards. */
export function withSession(body: (th: Thread, session: Session) => Generator<any, void, unknown> | void): void {
  const session = nativeBackend.session({ build: 'native', seed: 0 });
  try {
    session.run(function* (th) {
      const inner = body(th, session);
      if (inner) yield* inner;
    });
  } finally {
    session.dispose();
  }
}
