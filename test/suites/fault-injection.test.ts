// The mirrored IGT subtests can fail: on a build with a deliberately wrong
// kernel path (config/kernels/patches/fault-*.yaml, docs/kernel-model.md) a
// sample of them - at least one per binary - fails with the broken check named.
// (On mainline the same subtests pass: test/coverage checks every verdict.)
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';

const root = new URL('../../', import.meta.url).pathname;

interface Case {
  patch: string;
  suite: string;
  /** Tests that must fail, each with what its output must say. */
  fails: Record<string, RegExp>;
}

const CASES: Case[] = [
  {
    patch: 'fault-export-leaks-dma-buf', suite: 'prime_self_import',
    fails: { 'igt@prime_self_import@export-vs-gem_close-race': /Failed assertion: gem_object_count returned \d+, expected 0 \(\$before\)/ },
  },
  {
    patch: 'fault-sync-flags-unchecked', suite: 'prime_mmap',
    fails: { 'igt@prime_mmap@test_invalid_sync_flags@test_invalid_sync_flags-smem': /dmabuf_sync succeeded .*expected -EINVAL/ },
  },
  {
    patch: 'fault-sync-skips-wait', suite: 'prime_vgem',
    fails: { 'igt@prime_vgem@sync@rcs0': /byte at offset 4 is 0x0, expected 0x1 \(pattern index32\)/ },
  },
  {
    patch: 'fault-poll-ignores-fences', suite: 'prime_busy',
    fails: { 'igt@prime_busy@before@rcs0': /Failed assertion: poll returned ready = true, expected false/ },
  },
  {
    patch: 'fault-poll-ignores-fences', suite: 'prime_vgem',
    fails: {
      'igt@prime_vgem@wait@bcs0': /Failed assertion: poll returned ready = true, expected false/,
      'igt@prime_vgem@fence-wait@vcs0': /Failed assertion: poll returned ready = true, expected false/,
    },
  },
  {
    patch: 'fault-poll-ignores-fences', suite: 'vgem_basic',
    fails: { 'igt@vgem_basic@dmabuf-fence': /Failed assertion: poll returned ready = true, expected false \(\$writable\)/ },
  },
  {
    patch: 'fault-poll-ignores-fences', suite: 'vgem_slow',
    fails: { 'igt@vgem_slow@nohang': /Failed assertion: poll returned ready = true, expected false/ },
  },
  {
    patch: 'fault-poll-ignores-fences', suite: 'dmabuf_sync_file',
    fails: { 'igt@dmabuf_sync_file@export-basic': /Failed assertion: poll returned ready = true, expected false \(\$write_idle\)/ },
  },
  {
    patch: 'fault-sw-sync-signals-early', suite: 'sw_sync',
    fails: {
      'igt@sw_sync@sync_busy_fork': /Failed assertion: sync_file_wait succeeded \(returned null\), expected -ETIME/,
      'igt@sw_sync@sync_multi_consumer_producer': /Failed assertion: sync_file_info returned status = 1, expected 0/,
    },
  },
];

for (const c of CASES) {
  t.test(`mainline+${c.patch}: ${Object.keys(c.fails).join(', ')} fail`, async (t) => {
    const results = mkdtempSync(join(tmpdir(), 'primeci-fault-'));
    const names = Object.keys(c.fails).map((n) => `^${n}$`);
    await promisify(execFile)(process.execPath, [
      join(root, 'bin/primeci.js'), 'run', '--profile', `mainline+${c.patch}`, ...names.flatMap((n) => ['-t', n]),
      '--results', results, join(root, 'suites', `${c.suite}.yaml`),
    ], { cwd: root }).then(
      () => t.fail('the run passed'),
      (e: { code?: number }) => t.equal(e.code, 1, 'exit 1: a test failed'),
    );
    const json = JSON.parse(readFileSync(join(results, 'results.json'), 'utf8')) as { tests: Record<string, { result: string; out: string }> };
    for (const [name, evidence] of Object.entries(c.fails)) {
      t.equal(json.tests[name]?.result, 'fail', name);
      t.match(json.tests[name]?.out, evidence, `${name} names the broken check`);
    }
  });
}
