// docs/coverage.md is current (generated from a fresh mainline run), --check
// notices a stale file, and the rows say what is missing and where a
// scenario can run natively.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { IGT_CATALOGUE } from '../../runner/coverage/catalogue.ts';
import { coverage } from '../../runner/coverage/rows.ts';
import { parseSuite } from '../../runner/scenario/parse.ts';
import { YamlSource } from '../../runner/scenario/source.ts';
import type { TestrunResult } from '../../runner/results/igt.ts';

const root = new URL('../../', import.meta.url).pathname;
const primeci = (args: string[]) =>
  promisify(execFile)(process.execPath, [join(root, 'bin/primeci.js'), ...args], { cwd: root, maxBuffer: 64 << 20 })
    .then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }));

t.test('docs/coverage.md matches a fresh run on mainline; --check fails on a stale copy', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'primeci-coverage-test-'));
  const suites = IGT_CATALOGUE.map((b) => join(root, 'suites', `${b.binary}.yaml`));
  const run = await primeci(['run', '--profile', 'mainline', '--results', join(dir, 'run'), ...suites]);
  t.ok(run.code === 0 || run.code === 1, `the run completes (exit ${run.code})`);
  const check = await primeci(['coverage', '--results', join(dir, 'run'), '--check']);
  t.equal(check.code, 0, `docs/coverage.md is current (else run: node bin/primeci.js coverage) ${check.stderr}`);
  const stale = join(dir, 'stale.md');
  writeFileSync(stale, readFileSync(join(root, 'docs/coverage.md'), 'utf8').replace('| yes | pass |', '| yes | fail |'));
  const staleCheck = await primeci(['coverage', '--results', join(dir, 'run'), '--check', '-o', stale]);
  t.equal(staleCheck.code, 1);
  t.match(staleCheck.stderr, /stale\.md is stale: regenerate it with primeci coverage/);
  const other = await primeci(['coverage', '--results', join(root, 'test/fixtures/results/base'), '--check']);
  t.not(other.code, 0, 'a run on another build, or of other tests, is not this table');
});

const SUITE = `suite: prime_busy
summary: two of IGT's subtests, one on a simulated device
differs: suite-wide note
requires: [vgem]
subtests:
  - name: before
    differs: subtest note
    dynamic: [{name: rcs0}]
    steps:
      - open: {driver: vgem, as: fd}
  - name: after
    requires: [i915-sim]
    dynamic: [{name: rcs0}, {name: bcs0, requires: [{feature: blitter}]}]
    steps:
      - memory_pressure: {}
`;

t.test('rows: mirrored or why not, verdicts with skip reasons, native targets, differences', async (t) => {
  const suite = parseSuite(YamlSource.parse('prime_busy.yaml', SUITE));
  const results = {
    tests: {
      'igt@prime_busy@before@rcs0': { result: 'pass', out: '' },
      'igt@prime_busy@after@bcs0': { result: 'skip', out: 'Test requirement not met in function igt_require, file x:1:1:\nTest requirement: feature blitter: none\n' },
    },
  } as unknown as TestrunResult;
  const [busy] = coverage(IGT_CATALOGUE.filter((b) => b.binary === 'prime_busy'), [suite], results);
  const row = (test: string) => busy.rows.find((r) => r.test === test)!;
  t.same(row('igt@prime_busy@before@rcs0'), {
    test: 'igt@prime_busy@before@rcs0', mirrored: 'yes', verdict: 'pass', native: 'vgem', differs: 'suite-wide note subtest note',
  });
  t.equal(row('igt@prime_busy@after@rcs0').verdict, 'not run');
  t.equal(row('igt@prime_busy@after@rcs0').native, 'simulator only (i915-sim)');
  t.equal(row('igt@prime_busy@after@bcs0').verdict, 'skip: feature blitter: none');
  t.equal(row('igt@prime_busy@before@bcs0').mirrored, 'no: suites/prime_busy.yaml has no such subtest');
  t.equal(row('igt@prime_busy@hang-wait@vecs0').mirrored, 'no: suites/prime_busy.yaml has no such subtest');
  t.equal(busy.rows.length, 24, 'every IGT subtest has a row, mirrored or not');
  const [none] = coverage(IGT_CATALOGUE.filter((b) => b.binary === 'sw_sync'), [], results);
  t.equal(none.rows[0].mirrored, 'no: no suites/sw_sync.yaml');
});

t.test('native targets: sim-only ops and features are derived from the scenario', async (t) => {
  const suite = parseSuite(YamlSource.parse('prime_self_import.yaml', `suite: prime_self_import
summary: s
requires: [vgem]
procedures:
  count: {params: [fd], steps: [{gem_object_count: {fd: $fd}}]}
subtests:
  - name: export-vs-gem_close-race
    steps: [{open: {driver: vgem, as: fd}}, {call: {count: {fd: $fd}}}]
  - name: basic-llseek-bad
    requires: [{feature: sw_sync}]
    steps: [{open: {driver: vgem, as: fd}}]
`));
  const [rows] = coverage(IGT_CATALOGUE.filter((b) => b.binary === 'prime_self_import'), [suite], { tests: {} } as unknown as TestrunResult);
  t.equal(rows.rows.find((r) => r.test.endsWith('export-vs-gem_close-race'))!.native, 'simulator only (op gem_object_count)', 'through a procedure');
  t.equal(rows.rows.find((r) => r.test.endsWith('basic-llseek-bad'))!.native, 'vgem with sw_sync');
});
