// primeci compare BASE PATCH: Intel CI's "CI Bug Log - changes from BASE ->
// PATCH" for two results directories, or for the results root of a series
// check (`primeci compare ROOT`). Exit 1 when the verdict is FAILURE.
import { readCiRoot } from '../../reporters/compare/ci-root.ts';
import { compareCiRoot, compareResultDirs, type CompareDirsOptions } from '../../reporters/compare/compare-dirs.ts';
import type { Comparison } from '../../reporters/compare/comparison.ts';
import { loadKnownIssues } from '../../reporters/compare/known-issues.ts';
import { COMPARISON_FORMATS, renderComparison, type ComparisonFormat } from '../../reporters/compare/render.ts';
import { ReportInputError } from '../../reporters/errors.ts';
import { writeReportFile } from '../../reporters/index.ts';
import { parse } from '../options.ts';
import { UsageError } from '../usage.ts';

/** Options `compare` and `ci` share. */
export const COMPARE_OPTIONS = {
  'known-issues': { type: 'string' },
  format: { type: 'string', short: 'f' },
  output: { type: 'string', short: 'o' },
  series: { type: 'string' },
  'series-url': { type: 'string' },
  'results-url': { type: 'string' },
} as const;

export interface CompareValues {
  'known-issues'?: string;
  format?: string;
  output?: string;
  series?: string;
  'series-url'?: string;
  'results-url'?: string;
}

export function comparisonFormat(command: string, format: string | undefined): ComparisonFormat {
  const chosen = format ?? 'text';
  if (!(COMPARISON_FORMATS as readonly string[]).includes(chosen)) {
    throw new UsageError(`primeci ${command}: --format ${chosen}: expected one of ${COMPARISON_FORMATS.join(', ')}`);
  }
  return chosen as ComparisonFormat;
}

/**
 * Makes a comparison with the options the flags give and prints or writes
 * its report; the exit code follows the verdict, bad input is exit 2.
 */
export async function reportComparison(
  command: string,
  values: CompareValues,
  compare: (options: CompareDirsOptions) => Promise<Comparison>,
): Promise<number> {
  const format = comparisonFormat(command, values.format);
  if (values['series-url'] && !values.series) throw new UsageError(`primeci ${command}: --series-url needs --series NAME`);
  try {
    const comparison = await compare({
      knownIssues: values['known-issues'] ? await loadKnownIssues(values['known-issues']) : undefined,
      series: values.series ? { name: values.series, url: values['series-url'] } : undefined,
      resultsUrl: values['results-url'],
    });
    const content = renderComparison(comparison, format);
    if (values.output) await writeReportFile(values.output, content, process.env);
    else process.stdout.write(content);
    return comparison.verdict === 'FAILURE' ? 1 : 0;
  } catch (error) {
    if (!(error instanceof ReportInputError)) throw error;
    process.stderr.write(`primeci ${command}: ${error.message}\n`);
    return 2;
  }
}

/** Compares two results directories. */
export function compareAndReport(command: string, baseDir: string, patchDir: string, values: CompareValues): Promise<number> {
  return reportComparison(command, values, (options) => compareResultDirs(baseDir, patchDir, options));
}

const USAGE =
  'usage: primeci compare BASE PATCH [--known-issues FILE] [--format text|json|markdown|html] [-o FILE]\n' +
  '                       [--series NAME [--series-url URL]] [--results-url URL]\n' +
  '       primeci compare ROOT [...]      (the results root of primeci ci)';

export default async function compare(argv: string[]): Promise<number> {
  const { values, positionals } = parse('compare', argv, COMPARE_OPTIONS);
  if (positionals.length === 2) return compareAndReport('compare', positionals[0]!, positionals[1]!, values);
  if (positionals.length !== 1) throw new UsageError(USAGE);
  const root = await readCiRoot(positionals[0]!);
  if (!root) throw new UsageError(`primeci compare: ${positionals[0]}: not the results root of primeci ci (no comparison.json in it)\n${USAGE}`);
  return reportComparison('compare', values, (options) => compareCiRoot(root, options));
}
