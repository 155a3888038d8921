import t from 'tap';
import { formatParity, parityRows } from '../../runner/commands/parity.ts';
import { timeAttribute, type Status, type TestrunResult } from '../../runner/results/igt.ts';

function run(tests: Record<string, [Status, string?]>): TestrunResult {
  return {
    __type__: 'TestrunResult', results_version: 10, name: 'x', uname: '', time_elapsed: timeAttribute(0, 0), totals: {}, runtimes: {},
    tests: Object.fromEntries(Object.entries(tests).map(([k, [result, why]]) => [k, {
      result, err: '', dmesg: '', time: timeAttribute(0, 0),
      out: why ? `Test requirement not met in function igt_require, file s.yaml:1:\nTest requirement: ${why}\n` : '',
    }])),
  };
}

t.test('verdicts side by side; a skip on one side is explained by its reason, a different verdict is flagged', async (t) => {
  const sim = run({ 'igt@a@same': ['pass'], 'igt@a@simonly': ['pass'], 'igt@a@differ': ['pass'], 'igt@sw_sync@x': ['pass'] });
  const native = run({ 'igt@a@same': ['pass'], 'igt@a@simonly': ['skip', 'op gem_create: simulator only'], 'igt@a@differ': ['fail'], 'igt@sw_sync@x': ['skip', 'feature sw_sync: not in this kernel'] });
  const rows = parityRows(sim, native);
  t.same(rows.map((r) => [r.name, r.disagree, r.note]), [
    ['igt@a@same', false, ''],
    ['igt@a@simonly', false, 'native: op gem_create: simulator only'],
    ['igt@a@differ', true, ''],
    ['igt@sw_sync@x', false, 'native: feature sw_sync: not in this kernel'],
  ]);
  const text = formatParity(rows, 'linux-6.1', 'debian:linux-image-6.1');
  t.match(text, /igt@a@differ\s+pass\s+fail\s+DIFFERENT/);
  t.match(text, '1 subtest(s) with different verdicts where both ran');
});
