// A GitHub Actions job summary ($GITHUB_STEP_SUMMARY) and, when running on
// GitHub Actions, `::error` annotations pointing at the failing scenario step.
import type { TestResult } from '../../runner/results/igt.ts';
import type { Reporter } from '../reporter.ts';
import { runInfo } from '../run-info.ts';
import { outcomeOf, statusWord } from '../status.ts';
import { countStatuses, describeTotals } from '../totals.ts';
import { dmesgWarnings, failureLines, failurePosition } from '../test-output.ts';

// GitHub shows at most 10 error annotations per step.
const MAX_ANNOTATIONS = 10;
const MAX_ANNOTATION_DMESG_LINES = 5;

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

// Workflow command escaping (@actions/core): data escapes % CR LF; properties also : and ,.
const escapeData = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (text: string) => escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');

function annotation(name: string, test: TestResult): string {
  const position = failurePosition(test);
  const props = [
    ...(position ? [`file=${position.file}`, `line=${position.line}`, `col=${position.col}`] : []),
    `title=${name} ${statusWord(test.result)}`,
  ].map((prop) => {
    const eq = prop.indexOf('=');
    return `${prop.slice(0, eq)}=${escapeProperty(prop.slice(eq + 1))}`;
  });
  // An annotation is a short note: the failing step, else the start of the kernel's warning.
  const failing = failureLines(test);
  const details = failing.length ? failing : dmesgWarnings(test).slice(0, MAX_ANNOTATION_DMESG_LINES);
  const message = details.length ? details.join('\n') : `${name} ended ${test.result}`;
  return `::error ${props.join(',')}::${escapeData(message)}`;
}

function problemDetails(name: string, test: TestResult): string {
  const details = [...failureLines(test), ...dmesgWarnings(test)].join('\n') || test.out.trim() || '(no output)';
  return `<details><summary><code>${name}</code>: ${statusWord(test.result)}</summary>\n\n\`\`\`text\n${details}\n\`\`\`\n\n</details>\n`;
}

const markdown: Reporter = {
  name: 'markdown',
  description: 'GitHub job summary Markdown (+ ::error annotations on GitHub Actions)',
  defaultFile: 'summary.md',
  render(results, { env }) {
    const info = runInfo(results);
    const totals = countStatuses(results);
    const problems = Object.entries(results.tests).filter(([, t]) => ['failure', 'error'].includes(outcomeOf(t.result)));
    const lines = [
      `## primeci ${results.name}: ${problems.length ? `${problems.length} failed` : 'all passed'}`,
      '',
      `Build \`${info.build}\` on \`${info.host}\`${info.backend ? ` (${info.backend} backend)` : ''}: ${describeTotals(totals)}.`,
      '',
    ];
    if (problems.length) {
      lines.push('| Test | Status | Where |', '| --- | --- | --- |');
      for (const [name, test] of problems) {
        const at = failurePosition(test);
        lines.push(`| \`${cell(name)}\` | ${statusWord(test.result)} | ${at ? cell(`${at.file}:${at.line}:${at.col}`) : ''} |`);
      }
      lines.push('', ...problems.map(([name, test]) => problemDetails(name, test)));
    }
    const annotations =
      env.GITHUB_ACTIONS === 'true' ? problems.slice(0, MAX_ANNOTATIONS).map(([name, test]) => annotation(name, test)) : [];
    return { content: `${lines.join('\n').trimEnd()}\n`, annotations };
  },
};

export default markdown;
