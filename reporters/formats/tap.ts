// TAP 14 (testanything.org/tap-version-14-specification): one test point per
// IGT subtest, a YAML diagnostic block with the status, time, failing step
// lines and kernel warnings; skipped subtests carry `# SKIP reason`.
import { stringify } from 'yaml';
import type { TestResult } from '../../runner/results/igt.ts';
import type { Reporter } from '../reporter.ts';
import { runInfo } from '../run-info.ts';
import { outcomeOf } from '../status.ts';
import { dmesgWarnings, duration, failureLines, skipReason } from '../test-output.ts';

// '#' starts a directive and '\' escapes it (TAP 14, "Escaping").
function escapeDescription(text: string): string {
  return text.replace(/[\\#]/g, (c) => `\\${c}`).replace(/\n/g, ' ');
}

function diagnostics(test: TestResult): string {
  const data: Record<string, unknown> = { status: test.result, time: Number(duration(test).toFixed(3)) };
  const failing = outcomeOf(test.result) === 'pass' || outcomeOf(test.result) === 'skip' ? [] : failureLines(test);
  if (failing.length) data.failing = failing;
  const warnings = dmesgWarnings(test);
  if (warnings.length) data.dmesg_warnings = warnings;
  const yaml = stringify(data, { lineWidth: 0 }).trimEnd();
  return ['  ---', ...yaml.split('\n').map((line) => `  ${line}`), '  ...'].join('\n');
}

function testPoint(index: number, name: string, test: TestResult): string {
  const outcome = outcomeOf(test.result);
  const ok = outcome === 'pass' || outcome === 'skip' ? 'ok' : 'not ok';
  const skip = outcome === 'skip' ? ` # SKIP ${escapeDescription(skipReason(test) ?? test.result)}` : '';
  return `${ok} ${index} - ${escapeDescription(name)}${skip}\n${diagnostics(test)}`;
}

const tap: Reporter = {
  name: 'tap',
  description: 'TAP 14 with YAML diagnostics',
  defaultFile: 'results.tap',
  render(results) {
    const { build, host } = runInfo(results);
    const entries = Object.entries(results.tests);
    const points = entries.map(([name, test], i) => testPoint(i + 1, name, test));
    const content = ['TAP version 14', `# ${results.name}: ${build} on ${host}`, `1..${entries.length}`, ...points].join('\n');
    return { content: `${content}\n` };
  },
};

export default tap;
