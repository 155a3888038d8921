// The simulator's speed: ops per second through the syscall layer on one
// machine, machines booted per second, and schedules per second as `primeci
// explore` runs them. `npm run bench` collects these figures.
import { RandomChooser } from '../backends/sim/chooser.ts';
import { parseBuild } from '../backends/sim/profile.ts';
import { SimSession } from '../backends/sim/session.ts';
import { exploreJob } from '../runner/commands/explore.ts';
import { selectTests } from '../runner/select.ts';

function boot(build: string, seed: number): SimSession {
  const parsed = parseBuild(build);
  if (!parsed.ok) throw new Error(parsed.error);
  return new SimSession(parsed, new RandomChooser(seed));
}

/** A PRIME round trip per iteration: create, export, import, map, store, load, unmap, close: 10 ops. */
function opsPerSecond(iterations: number): number {
  const session = boot('mainline', 1);
  let ops = 0;
  const started = performance.now();
  session.run(function* (t) {
    const fd = (yield* t.call('open', { driver: 'vgem' })) as { ok: true; value: number };
    const other = (yield* t.call('open', { driver: 'vgem' })) as { ok: true; value: number };
    for (let i = 0; i < iterations; i++) {
      const bo = (yield* t.call('create_dumb', { fd: fd.value, width: 1024, height: 1, bpp: 32 })) as { ok: true; value: { handle: number } };
      const dmabuf = (yield* t.call('prime_handle_to_fd', { fd: fd.value, handle: bo.value.handle })) as { ok: true; value: number };
      const h = (yield* t.call('prime_fd_to_handle', { fd: other.value, dmabuf: dmabuf.value })) as { ok: true; value: number };
      const map = (yield* t.call('mmap', { fd: dmabuf.value, length: 4096, prot: ['read'] })) as { ok: true; value: number };
      yield* t.call('mem_read', { map: map.value, length: 64 });
      yield* t.call('munmap', { map: map.value });
      yield* t.call('close', { fd: dmabuf.value });
      yield* t.call('gem_close', { fd: other.value, handle: h.value });
      yield* t.call('gem_close', { fd: fd.value, handle: bo.value.handle });
      yield* t.call('lseek', { fd: fd.value, offset: 0, whence: 'set' });
      ops += 10;
    }
  });
  return ops / ((performance.now() - started) / 1000);
}

function bootsPerSecond(count: number): number {
  const started = performance.now();
  for (let i = 0; i < count; i++) boot('mainline', i).run(function* () {});
  return count / ((performance.now() - started) / 1000);
}

function schedulesPerSecond(count: number): number {
  const { jobs } = selectTests([], { include: ['^igt@drm_shmem_reclaim@free-during-reclaim-once$'] });
  const started = performance.now();
  const { tried } = exploreJob(jobs[0], {
    build: 'linux-6.5+drm-shmem-shrinker+drm-shmem-free-no-lock', random: count / 2, seed: 1, systematic: count / 2, preemptions: 2,
  });
  return tried / ((performance.now() - started) / 1000);
}

export async function benchSim(): Promise<Record<string, number>> {
  opsPerSecond(200); // warm up the JIT
  return {
    'sim ops/s': Math.round(opsPerSecond(3000)),
    'sim boots/s': Math.round(bootsPerSecond(500)),
    'sim explore schedules/s': Math.round(schedulesPerSecond(200)),
  };
}
