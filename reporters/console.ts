// The summary printed at the end of a run: totals per suite, then every test
// that did not pass with the first line that says why.
import type { Status, TestResult, TestrunResult } from '../runner/results/igt.ts';
import { describeTotals } from './totals.ts';

const GOOD: ReadonlySet<Status> = new Set(['pass', 'skip', 'notrun']);

export function formatConsoleSummary(results: TestrunResult): string {
  const lines: string[] = [];
  const suites = Object.entries(results.totals).filter(([k]) => k.startsWith('igt@'));
  const width = Math.max(...suites.map(([k]) => k.length), 10);
  for (const [suite, totals] of suites) lines.push(`  ${suite.padEnd(width)}  ${describeTotals(totals)}`);
  const problems = Object.entries(results.tests).filter(([, t]) => !GOOD.has(t.result));
  if (problems.length > 0) {
    lines.push('', 'Not passing:');
    for (const [name, t] of problems) lines.push(`  ${t.result.toUpperCase().padEnd(11)} ${name}${reasonOf(t)}`);
  }
  const total = Object.keys(results.tests).length;
  const elapsed = results.time_elapsed.end - results.time_elapsed.start;
  lines.push('', `Totals: ${total} tests: ${describeTotals(results.totals.root)} (${elapsed.toFixed(1)}s)`);
  return lines.join('\n');
}

/** The line that says why: a failed assertion, a requirement, or the kernel's warning. */
function reasonOf(t: TestResult): string {
  const why =
    t.out.split('\n').find((l) => l.includes('Failed assertion:')) ??
    t['dmesg-warnings']?.split('\n').find((l) => /\] .*[A-Za-z]/.test(l)) ??
    t.err.split('\n').find((l) => l.startsWith('primeci:'));
  return why ? `\n              ${why.replace(/^\(.*?\) CRITICAL: /, '').trim()}` : '';
}
