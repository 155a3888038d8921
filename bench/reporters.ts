// Reporter speed on a large run: 100,000 tests (a mix of verdicts with output)
// rendered by each text reporter. JUnit should take about as long as TAP.
import { renderReport } from '../reporters/index.ts';
import { timeAttribute, type Status, type TestResult, type TestrunResult } from '../runner/results/igt.ts';
import { runtimesOf, testRecord, totalsOf } from '../runner/results/resultgen.ts';

const TESTS = 100_000;
const VERDICTS: Status[] = ['pass', 'pass', 'pass', 'skip', 'fail', 'dmesg-warn'];

function largeRun(): TestrunResult {
  const tests = testRecord();
  for (let i = 0; i < TESTS; i++) {
    const result = VERDICTS[i % VERDICTS.length];
    const test: TestResult = {
      out: `IGT-Version: 2.0\nStarting subtest: sub-${i}\nSubtest sub-${i}: ${result.toUpperCase()} (0.010s)\n`,
      err: '',
      dmesg: '',
      result,
      time: timeAttribute(0, 0.01),
    };
    tests[`igt@suite_${i % 20}@sub-${i}`] = test;
  }
  return { __type__: 'TestrunResult', results_version: 10, name: 'bench', uname: '', time_elapsed: timeAttribute(0, 1), tests, totals: totalsOf(tests), runtimes: runtimesOf(tests) };
}

export async function benchReporters(): Promise<Record<string, number>> {
  const run = largeRun();
  const figures: Record<string, number> = {};
  for (const format of ['tap', 'junit']) {
    const started = performance.now();
    await renderReport(run, format, { env: {} });
    figures[`${format}_100k_tests_s`] = (performance.now() - started) / 1000;
  }
  return figures;
}

// `node --import tsx bench/reporters.ts` measures only this.
if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(JSON.stringify(await benchReporters(), null, 2) + '\n');
