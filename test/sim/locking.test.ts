// Locks, lockdep, deadlock detection and the seeded scheduler, driven through
// kernel paths (a scenario-like body) and directly through the lock model.
import t from 'tap';
import { RandomChooser } from '../../backends/sim/chooser.ts';
import { Mutex, mutexClass, mutex_lock, mutex_unlock } from '../../backends/sim/locking.ts';
import type { KGen } from '../../backends/sim/sched.ts';
import { boot, dmesg, num, rec, run, type Body } from './helpers.ts';

/** A kernel path taking two locks in order; its name shows in lockdep's stacks. */
function* take_in_order(first: Mutex, second: Mutex): KGen<void> {
  yield* mutex_lock(first);
  yield* mutex_lock(second);
  mutex_unlock(second);
  mutex_unlock(first);
}

const classA = mutexClass('&test->lock_a');
const classB = mutexClass('&test->lock_b');

t.test('lockdep: a consistent order is never reported', (t) => {
  const session = boot();
  const a = new Mutex(classA);
  const b = new Mutex(classB);
  session.run(function* () {
    yield* take_in_order(a, b);
    yield* take_in_order(a, b);
  });
  t.notMatch(dmesg(session), /WARNING/);
  t.end();
});

t.test('lockdep: the reverse order is a circular dependency naming both classes and stacks', (t) => {
  const session = boot();
  const a = new Mutex(classA);
  const b = new Mutex(classB);
  const outcome = session.run(function* () {
    yield* take_in_order(a, b);
    yield* take_in_order(b, a);
  });
  t.same(outcome, { kind: 'completed' }, 'one thread: a report, not a deadlock');
  const log = dmesg(session);
  t.match(log, /WARNING: possible circular locking dependency detected/);
  t.match(log, /is trying to acquire lock:\n\S+ \(&test->lock_a\)\{\+\.\+\.\}-\{3:3\}, at: take_in_order/);
  t.match(log, /but task is already holding lock:\n\S+ \(&test->lock_b\)/);
  t.match(log, /-> #1 \(&test->lock_b\)[^\n]*:\n\s+take_in_order/, 'the held lock, with the stack of the old order');
  t.match(log, /-> #0 \(&test->lock_a\)[^\n]*:\n\s+take_in_order/, 'the new lock, with this stack');
  t.match(log, / {2}lock\(&test->lock_b\);\n {31}lock\(&test->lock_a\);/);
  t.ok(session.kmsg().filter((r) => /WARNING/.test(r.message)).every((r) => r.level === 4), 'at KERN_WARNING');
  t.end();
});

t.test('lockdep: recursion is reported once, then the task deadlocks on itself', (t) => {
  const session = boot();
  const a = new Mutex(classA);
  const outcome = session.run(function* () {
    yield* mutex_lock(a);
    yield* mutex_lock(a);
  });
  t.equal(outcome.kind, 'hung');
  if (outcome.kind === 'hung') t.match(outcome.report, /primeci\/1000 waits in mutex_lock\(&test->lock_a\), held by primeci\/1000\nwait-for cycle: primeci\/1000 -> primeci\/1000/);
  const log = dmesg(session);
  t.equal(log.match(/possible recursive locking detected/g)?.length, 1);
  t.match(log, /INFO: task primeci:1000 blocked for more than 120 seconds/);
  t.ok(session.kmsg().some((r) => r.level === 3 && /blocked for more than/.test(r.message)), 'hung task at KERN_ERR');
  t.end();
});

t.test('deadlock between two threads: ABBA ends hung with the wait-for cycle', (t) => {
  const session = boot('mainline', new RandomChooser(3));
  const a = new Mutex(classA);
  const b = new Mutex(classB);
  const outcome = session.run(function* (th) {
    yield* th.spawn([
      function* () { yield* take_in_order(a, b); },
      function* () { yield* take_in_order(b, a); },
    ], 'thread');
  });
  // whichever way the seed interleaves them, lockdep sees the inversion
  t.match(dmesg(session), /possible circular locking dependency/);
  if (outcome.kind === 'hung') {
    t.match(outcome.report, /wait-for cycle: (primeci\/\d+ -> ){2}primeci\/\d+/);
  } else {
    t.same(outcome, { kind: 'completed' });
  }
  t.end();
});

t.test('a contended mutex is waited for, not reported', (t) => {
  const session = boot('mainline', new RandomChooser(7));
  const a = new Mutex(classA);
  let inside = 0;
  let overlap = false;
  session.run(function* (th) {
    const body = function* () {
      for (let i = 0; i < 20; i++) {
        yield* mutex_lock(a);
        if (++inside > 1) overlap = true;
        yield* th.sleep(0);
        inside--;
        mutex_unlock(a);
      }
    };
    yield* th.spawn([body, body, body], 'thread');
  });
  t.notOk(overlap, 'mutual exclusion held');
  t.notMatch(dmesg(session), /WARNING/);
  t.end();
});

t.test('same seed, same schedule; different seeds, different interleavings', (t) => {
  const trace = (seed: number) => {
    const order: number[] = [];
    const racer = (id: number): Body => function* (th) {
      for (let i = 0; i < 5; i++) {
        yield* th.call('open', { driver: 'vgem' });
        order.push(id);
      }
    };
    run(function* (th) { yield* th.spawn([racer(1), racer(2), racer(3)], 'thread'); }, 'mainline', new RandomChooser(seed));
    return order.join('');
  };
  t.equal(trace(42), trace(42));
  const distinct = new Set([1, 2, 3, 4, 5, 6].map(trace));
  t.ok(distinct.size > 1, `${distinct.size} different interleavings from 6 seeds`);
  t.end();
});

t.test('the seed-000 path: dma-buf mmap on linux-6.2 with drm-shmem on the resv lock', (t) => {
  const { session, outcome } = run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const bo = rec(yield* th.call('create_dumb', { fd, width: 1024, height: 1, bpp: 32 }));
    const dmabuf = num(yield* th.call('prime_handle_to_fd', { fd, handle: bo.handle }));
    yield* th.call('mmap', { fd: dmabuf, length: 4096, prot: ['read'] });
  }, 'linux-6.2+drm-shmem-resv-lock');
  t.equal(outcome.kind, 'hung');
  const log = dmesg(session);
  t.match(log, /at: drm_gem_shmem_get_pages\n\nbut task is already holding lock:\n\S+ \(reservation_ww_class_mutex\)[^\n]*, at: dma_buf_mmap_internal/);
  t.match(log, /Call Trace:\n <TASK>\n drm_gem_shmem_get_pages\n drm_gem_shmem_mmap\n drm_gem_prime_mmap\n drm_gem_dmabuf_mmap\n dma_buf_mmap_internal\n vm_mmap_pgoff/);
  for (const build of ['linux-6.1', 'linux-6.2', 'linux-6.4', 'linux-6.5', 'mainline']) {
    const ok = run(function* (th) {
      const fd = num(yield* th.call('open', { driver: 'vgem' }));
      const bo = rec(yield* th.call('create_dumb', { fd, width: 1024, height: 1, bpp: 32 }));
      const dmabuf = num(yield* th.call('prime_handle_to_fd', { fd, handle: bo.handle }));
      yield* th.call('mmap', { fd: dmabuf, length: 4096, prot: ['read'] });
    }, build);
    t.same(ok.outcome, { kind: 'completed' }, build);
    t.notMatch(dmesg(ok.session), /WARNING/, `${build}: no lockdep report`);
  }
  t.end();
});

t.test('linux-6.2: the core holds the lock the exporter asserts; other builds do not assert', (t) => {
  const { session } = run(function* (th) {
    const fd = num(yield* th.call('open', { driver: 'vgem' }));
    const bo = rec(yield* th.call('create_dumb', { fd, width: 1024, height: 1, bpp: 32 }));
    const dmabuf = num(yield* th.call('prime_handle_to_fd', { fd, handle: bo.handle }));
    yield* th.call('mmap', { fd: dmabuf, length: 4096, prot: ['read'] });
  }, 'linux-6.2');
  t.notMatch(dmesg(session), /dma_resv_assert_held/);
  t.end();
});
