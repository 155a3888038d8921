import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ResultsError, readResults } from '../../reporters/results-reader.ts';
import { parseMetadata } from '../../runner/results/layout.ts';
import { runInfo } from '../../reporters/run-info.ts';

const fixtures = new URL('../fixtures/results/', import.meta.url).pathname;

t.test('reads primeci results with their metadata', async (t) => {
  const results = await readResults(join(fixtures, 'patch'));
  t.equal(results.tests['igt@prime_vgem@sync@rcs0']?.result, 'incomplete');
  t.same(runInfo(results), { build: 'linux-6.2+drm-shmem-resv-lock', host: 'sim-host', backend: 'sim' });
});

t.test("reads igt_runner's results.json: metadata.txt beside it, uname for the host, defaults for never-run tests", async (t) => {
  const results = await readResults(join(fixtures, 'igt-runner', 'results.json'));
  t.equal(results.metadata?.dmesg_warn_level, '4');
  t.same(runInfo(results), { build: 'CI_DRM_13225_shard-snb5', host: 'shard-snb5', backend: undefined });
  const notrun = results.tests['igt@vgem_basic@unload'];
  t.same(notrun, { out: '', err: '', dmesg: '', result: 'notrun', time: { __type__: 'TimeAttribute', start: 0, end: 0 } });
});

t.test('errors name the file and what is wrong', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'primeci-reader-'));
  await t.rejects(readResults(join(dir, 'missing')), { name: 'ResultsError', message: /missing: no such results directory/ });
  await t.rejects(readResults(dir), { message: `${join(dir, 'results.json')}: cannot read results: not found` });

  await writeFile(join(dir, 'results.json'), '{"tests": ');
  await t.rejects(readResults(dir), { message: new RegExp(`^${join(dir, 'results.json')}: not valid JSON`) });

  const good = JSON.parse(JSON.stringify(await readResults(join(fixtures, 'base'))));
  good.tests['igt@prime_vgem@basic-read'].result = 'passed';
  await writeFile(join(dir, 'results.json'), JSON.stringify(good));
  const error = await readResults(dir).catch((e: unknown) => e);
  t.type(error, ResultsError);
  t.match((error as Error).message, /not an IGT results\.json/);
  t.match((error as Error).message, /at tests\.igt@prime_vgem@basic-read\.result: /);
});

t.test('metadata.txt lines are "key : value"; other lines are ignored', async (t) => {
  t.same(parseMetadata('name : run 1\nbuild : linux-6.2+x : y\nnot a pair\n'), { name: 'run 1', build: 'linux-6.2+x : y' });
});
