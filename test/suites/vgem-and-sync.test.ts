// The vgem_basic, vgem_slow, dmabuf_sync_file and sw_sync suites through the
// CLI on the default build: every IGT subtest is listed under its IGT name,
// and each one passes.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';

const root = new URL('../../', import.meta.url).pathname;
const primeci = join(root, 'bin/primeci.js');
const run = promisify(execFile);

/** IGT's subtests of each binary (igt-gpu-tools tests/*.c, Oct 2025). */
const IGT_SUBTESTS: Record<string, string[]> = {
  vgem_basic: [
    'unload', 'setversion', 'second-client', 'create', 'mmap', 'bad-flag', 'bad-pad', 'bad-handle', 'bad-fence',
    'busy-fence', 'dmabuf-export', 'dmabuf-mmap', 'dmabuf-fence', 'dmabuf-fence-before', 'sysfs', 'debugfs',
  ],
  vgem_slow: ['nohang'],
  dmabuf_sync_file: [
    'export-basic', 'export-before-signal', 'export-multiwait', 'export-wait-after-attach', 'import-basic',
    'import-multiple-read-only', 'import-multiple-read-write',
  ],
  sw_sync: [
    'alloc_timeline', 'alloc_fence', 'alloc_fence_invalid_timeline', 'timeline_closed', 'timeline_closed_signaled',
    'alloc_merge_fence', 'sync_busy', 'sync_busy_fork', 'sync_busy_fork_unixsocket', 'sync_merge_invalid',
    'sync_merge', 'sync_merge_same', 'sync_multi_timeline_wait', 'sync_multi_consumer',
    'sync_multi_consumer_producer', 'sync_multi_producer_single_consumer', 'sync_expired_merge', 'sync_random_merge',
  ],
};

const suites = Object.keys(IGT_SUBTESTS);

t.test('list prints every IGT subtest under its IGT name', async (t) => {
  const { stdout } = await run(process.execPath, [primeci, 'list', ...suites], { cwd: root });
  const expected = suites.flatMap((suite) => IGT_SUBTESTS[suite].map((name) => `igt@${suite}@${name}`));
  t.same(stdout.trim().split('\n').sort(), expected.sort());
});

t.test('on mainline every subtest passes', async (t) => {
  const results = mkdtempSync(join(tmpdir(), 'primeci-suites-'));
  await run(process.execPath, [primeci, 'run', ...suites, '--results', results], { cwd: root }).catch((e: { code?: number }) => {
    if (e.code !== 1) throw e; // 1: a test did not pass, reported below
  });
  const json = JSON.parse(readFileSync(join(results, 'results.json'), 'utf8')) as {
    tests: Record<string, { result: string; out: string }>;
  };
  for (const suite of suites) {
    for (const name of IGT_SUBTESTS[suite]) {
      const id = `igt@${suite}@${name}`;
      const test = json.tests[id];
      if (!test) {
        t.fail(`${id} missing from the results`);
        continue;
      }
      t.equal(test.result, 'pass', `${id}: ${test.out.split('\n').filter((l) => l.includes('CRITICAL')).join(' ')}`);
    }
  }
});
