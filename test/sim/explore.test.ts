// primeci explore: finds a failing schedule of a race, and the schedule it
// reports replays the same run (same output and kernel log).
import t from 'tap';
import { exploreJob, runSchedule, type Attempt } from '../../runner/commands/explore.ts';
import { selectTests } from '../../runner/select.ts';

function job(name: string) {
  const { jobs } = selectTests([], { include: [`^${name}$`] });
  if (jobs.length !== 1) throw new Error(`${name}: ${jobs.length} jobs`);
  return jobs[0];
}

/** What must be identical between runs: output without wall-clock times, and the kernel log. */
function fingerprint(a: Attempt): string {
  return JSON.stringify([a.status, a.out.map((l) => l.replace(/\(\d+\.\d+s\)/, '')), a.kmsg]);
}

// Two threads, one buffer each: seeds 1-10 pass, seed 11 hits the race.
const reclaim = job('igt@drm_shmem_reclaim@free-during-reclaim-once');

t.test('random exploration finds the seed-001 race and its seed replays it exactly', (t) => {
  const build = 'linux-6.5+drm-shmem-shrinker';
  const found = exploreJob(reclaim, { build, random: 20, seed: 1, systematic: 0, preemptions: 0 });
  t.ok(found.failure, `found in ${found.tried} schedules`);
  t.ok(found.tried > 1, 'not every schedule fails: it is a race');
  const failure = found.failure!;
  t.equal(failure.status, 'dmesg-warn');
  t.ok('seed' in failure.schedule);
  const replay = runSchedule(reclaim, build, failure.schedule);
  t.equal(fingerprint(replay), fingerprint(failure), 'identical replay');
  t.end();
});

t.test('systematic exploration with a preemption bound finds it too, and replays by its decisions', (t) => {
  const build = 'linux-6.5+drm-shmem-shrinker';
  const none = exploreJob(reclaim, { build, random: 0, seed: 1, systematic: 100, preemptions: 1 });
  t.notOk(none.failure, `one preemption is not enough (${none.tried} schedules, the whole space)`);
  t.ok(none.tried < 100, 'the bounded space was exhausted');
  const found = exploreJob(reclaim, { build, random: 0, seed: 1, systematic: 200, preemptions: 2 });
  t.ok(found.failure, `found in ${found.tried} schedules`);
  const failure = found.failure!;
  t.ok('decisions' in failure.schedule);
  const replay = runSchedule(reclaim, build, failure.schedule);
  t.equal(fingerprint(replay), fingerprint(failure), 'identical replay');
  t.end();
});

t.test('the fixed build has no failing schedule; seed-000 fails on every one', (t) => {
  const fixed = exploreJob(reclaim, { build: 'linux-6.5+drm-shmem-shrinker+drm-shmem-free-no-lock', random: 8, seed: 1, systematic: 8, preemptions: 2 });
  t.same(fixed, { tried: 16 });
  const sync = job('igt@prime_vgem@sync@rcs0');
  const hang = exploreJob(sync, { build: 'linux-6.2+drm-shmem-resv-lock', random: 5, seed: 9, systematic: 0, preemptions: 0 });
  t.equal(hang.failure?.status, 'incomplete');
  t.same(hang.failure?.schedule, { seed: 9 });
  t.equal(fingerprint(runSchedule(sync, 'linux-6.2+drm-shmem-resv-lock', { seed: 9 })), fingerprint(hang.failure!));
  t.end();
});
