// The guest half of bench/native.ts: per-op cost of the native backend on vgem,
// JS -> addon -> ioctl -> JS, through the same Thread.call the runner uses.
//   node --import tsx bench/native-guest.ts OUT.json
import { writeFileSync } from 'node:fs';
import type { OpResult, Thread } from '../backends/backend.ts';
import type { OpName } from '../backends/ops.ts';
import { nativeBackend } from '../backends/native/index.ts';

const ITERATIONS = 2000;

function call(thread: Thread, op: OpName, args: Record<string, unknown>): OpResult {
  const gen = thread.call(op, args);
  let step = gen.next();
  while (!step.done) step = gen.next();
  return step.value;
}

function value(r: OpResult): any {
  if (!r.ok) throw new Error(`bench op failed: -${r.errno}`);
  return r.value;
}

/** Microseconds per call of `body`, over ITERATIONS calls. */
function perCall(body: () => void): number {
  const started = performance.now();
  for (let i = 0; i < ITERATIONS; i++) body();
  return ((performance.now() - started) * 1000) / ITERATIONS;
}

const figures: Record<string, number> = {};
const session = nativeBackend.session({ build: 'bench', seed: 0 });
session.run(function* (th) {
  const fd = value(call(th, 'open', { driver: 'vgem' }));
  const bo = value(call(th, 'create_dumb', { fd, width: 1024, height: 1, bpp: 32 }));
  const dmabuf = value(call(th, 'prime_handle_to_fd', { fd, handle: bo.handle, flags: ['cloexec', 'rdwr'] }));
  const map = value(call(th, 'mmap', { fd: dmabuf, length: 4096 }));
  figures.native_gem_flink_us = perCall(() => value(call(th, 'gem_flink', { fd, handle: bo.handle })));
  figures.native_prime_fd_to_handle_us = perCall(() => value(call(th, 'prime_fd_to_handle', { fd, dmabuf })));
  figures.native_poll_us = perCall(() => value(call(th, 'poll', { fd: dmabuf, events: ['in', 'out'] })));
  figures.native_mem_read_4k_us = perCall(() => value(call(th, 'mem_read', { map })));
  figures.native_export_close_us = perCall(() => {
    const f = value(call(th, 'prime_handle_to_fd', { fd, handle: bo.handle }));
    value(call(th, 'close', { fd: f }));
  });
  // Two native threads, one op each per round: the cost of a round of a race.
  const started = performance.now();
  yield* th.spawn([0, 1].map(() => function* (me: Thread) {
    for (let i = 0; i < ITERATIONS; i++) yield* me.call('gem_flink', { fd, handle: bo.handle });
  }), 'thread');
  figures.native_thread_round_us = ((performance.now() - started) * 1000) / ITERATIONS;
});
session.dispose();
writeFileSync(process.argv[2], JSON.stringify(figures));
