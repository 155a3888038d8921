// JUnit XML as GitLab (unit test reports) and Jenkins (junit plugin) read it:
// a testsuite per IGT binary, a testcase per subtest with classname, name,
// file and time; failure / error / skipped with a message; system-out/-err.
import type { TestResult, TestrunResult } from '../../runner/results/igt.ts';
import { attributes, escapeMarkup } from '../markup.ts';
import type { Reporter } from '../reporter.ts';
import { runInfo } from '../run-info.ts';
import { outcomeOf } from '../status.ts';
import { dmesgWarnings, duration, failurePosition, failureLines, skipReason, splitTestName } from '../test-output.ts';

const seconds = (s: number) => s.toFixed(3);

function verdictElement(test: TestResult): string {
  const outcome = outcomeOf(test.result);
  if (outcome === 'pass') return '';
  if (outcome === 'skip') return `      <skipped${attributes({ message: skipReason(test) ?? test.result })}/>\n`;
  const details = [...failureLines(test), ...dmesgWarnings(test)];
  const message = `${test.result}${details.length ? `: ${details[0]!.trim()}` : ''}`;
  const tag = outcome === 'error' ? 'error' : 'failure';
  return `      <${tag}${attributes({ message, type: test.result })}>${escapeMarkup(details.join('\n'))}</${tag}>\n`;
}

function systemStreams(test: TestResult): string {
  const err = [test.err, test.dmesg && `--- dmesg ---\n${test.dmesg}`].filter(Boolean).join('\n');
  return (
    (test.out ? `      <system-out>${escapeMarkup(test.out)}</system-out>\n` : '') +
    (err ? `      <system-err>${escapeMarkup(err)}</system-err>\n` : '')
  );
}

function testcase(name: string, test: TestResult, primeciRun: boolean): string {
  const { binary, subtest } = splitTestName(name);
  const file = failurePosition(test)?.file ?? (primeciRun ? `suites/${binary}.yaml` : undefined);
  const attrs = attributes({ classname: `igt.${binary}`, name: subtest, file, time: seconds(duration(test)) });
  const body = verdictElement(test) + systemStreams(test);
  return body ? `    <testcase${attrs}>\n${body}    </testcase>\n` : `    <testcase${attrs}/>\n`;
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  time: number;
}

function count(tests: TestResult[]): Counts {
  const outcomes = tests.map((t) => outcomeOf(t.result));
  return {
    tests: tests.length,
    failures: outcomes.filter((o) => o === 'failure').length,
    errors: outcomes.filter((o) => o === 'error').length,
    skipped: outcomes.filter((o) => o === 'skip').length,
    time: tests.reduce((sum, t) => sum + duration(t), 0),
  };
}

const countAttributes = (c: Counts) => ({ ...c, time: seconds(c.time) });

// Jenkins' schema wants a local ISO 8601 time without zone.
function timestamp(results: TestrunResult): string | undefined {
  const start = results.time_elapsed.start;
  return start > 0 ? new Date(start * 1000).toISOString().slice(0, 19) : undefined;
}

const junit: Reporter = {
  name: 'junit',
  description: 'JUnit XML for GitLab and Jenkins',
  defaultFile: 'junit.xml',
  render(results) {
    const info = runInfo(results);
    const byBinary = new Map<string, [string, TestResult][]>();
    for (const entry of Object.entries(results.tests)) {
      const binary = splitTestName(entry[0]).binary;
      // Appended in place: copying the list per test made 100,000 tests take minutes.
      const entries = byBinary.get(binary);
      if (entries) entries.push(entry);
      else byBinary.set(binary, [entry]);
    }
    const properties = Object.entries(results.metadata ?? {})
      .map(([name, value]) => `      <property${attributes({ name, value })}/>\n`)
      .join('');
    const suites = [...byBinary].map(([binary, entries]) => {
      const head = attributes({
        name: `igt@${binary}`,
        ...countAttributes(count(entries.map(([, t]) => t))),
        timestamp: timestamp(results),
        hostname: info.host,
      });
      const props = properties ? `    <properties>\n${properties}    </properties>\n` : '';
      const cases = entries.map(([name, test]) => testcase(name, test, results.metadata?.backend !== undefined)).join('');
      return `  <testsuite${head}>\n${props}${cases}  </testsuite>\n`;
    });
    const total = countAttributes(count(Object.values(results.tests)));
    const root = attributes({ name: info.build === results.name ? results.name : `${results.name} (${info.build})`, ...total });
    return { content: `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites${root}>\n${suites.join('')}</testsuites>\n` };
  },
};

export default junit;
