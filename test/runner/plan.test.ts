import t from 'tap';
import type { Job } from '../../runner/job.ts';
import { parseShard, planJobs } from '../../runner/plan.ts';
import type { Subtest, Suite } from '../../runner/scenario/model.ts';

// Jobs need only their names here.
const NAMES = [
  'igt@prime_self_import@basic-with_one_bo',
  'igt@prime_self_import@basic-llseek-bad',
  'igt@prime_vgem@sync@rcs0',
  'igt@prime_vgem@sync@bcs0',
  'igt@prime_vgem@basic-read',
  'igt@vgem_basic@create',
];
const JOBS = NAMES.map((name) => ({ name, suite: {} as Suite, subtest: {} as Subtest }) as Job);
const plan = (o: Partial<Parameters<typeof planJobs>[1]>) =>
  planJobs(JOBS, { include: [], exclude: [], repeat: 1, ...o }).map((j) => j.name);

t.test('-t and -x: case-insensitive, searched anywhere, any -t includes, any -x excludes', async (t) => {
  t.same(plan({}), NAMES);
  t.same(plan({ include: ['SYNC'] }), ['igt@prime_vgem@sync@rcs0', 'igt@prime_vgem@sync@bcs0']);
  t.same(plan({ include: ['llseek', '@create$'] }), ['igt@prime_self_import@basic-llseek-bad', 'igt@vgem_basic@create']);
  t.same(plan({ include: ['prime_vgem'], exclude: ['bcs0', 'READ'] }), ['igt@prime_vgem@sync@rcs0']);
  t.same(plan({ exclude: ['.'] }), []);
  t.throws(() => plan({ include: ['[a-'] }), /-t "\[a-": invalid regular expression/);
});

t.test('a test list fixes names and order; a bare binary or subtest covers what is below it', async (t) => {
  const dir = t.testdir({
    'list.txt': '# smoke\nigt@vgem_basic@create\n\nigt@prime_vgem@sync\nigt@prime_self_import@basic-*\n',
    'bad.txt': 'igt@vgem_basic@create\nigt@nope\n',
  });
  t.same(plan({ testList: `${dir}/list.txt` }), [
    'igt@vgem_basic@create',
    'igt@prime_vgem@sync@rcs0',
    'igt@prime_vgem@sync@bcs0',
    'igt@prime_self_import@basic-with_one_bo',
    'igt@prime_self_import@basic-llseek-bad',
  ]);
  t.same(plan({ testList: `${dir}/list.txt`, exclude: ['rcs0'] }).length, 4);
  t.throws(() => plan({ testList: `${dir}/bad.txt` }), /bad\.txt:2: igt@nope matches no test/);
  t.throws(() => plan({ testList: `${dir}/missing.txt` }), /--test-list .*missing\.txt: ENOENT/);
});

t.test('a blocklist is one exclusion regex per line', async (t) => {
  const dir = t.testdir({ 'block.txt': '# known hangs\nsync@.cs0\n\nllseek\n', 'bad.txt': 'ok\n(\n' });
  t.same(plan({ blocklist: `${dir}/block.txt` }), [
    'igt@prime_self_import@basic-with_one_bo',
    'igt@prime_vgem@basic-read',
    'igt@vgem_basic@create',
  ]);
  t.throws(() => plan({ blocklist: `${dir}/bad.txt` }), /bad\.txt:2: "\(": invalid regular expression/);
});

t.test('shards partition the job list, stably', async (t) => {
  const shards = [1, 2, 3].map((i) => plan({ shard: { index: i, count: 3 } }));
  t.same(shards.flat().sort(), [...NAMES].sort());
  t.same(shards[0], ['igt@prime_self_import@basic-with_one_bo', 'igt@prime_vgem@sync@bcs0']);
  t.same(plan({ shard: { index: 2, count: 3 } }), shards[1], 'same split every time');
  t.same(parseShard('2/5'), { index: 2, count: 5 });
  for (const bad of ['0/3', '4/3', '1/0', 'a/b', '1']) t.throws(() => parseShard(bad), /--shard/);
});

t.test('repeat runs each job that many times in a row', async (t) => {
  t.same(plan({ include: ['create'], repeat: 3 }), Array(3).fill('igt@vgem_basic@create'));
});
