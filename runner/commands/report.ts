// primeci report DIR --format F [-o FILE]: re-report a results directory
// (primeci's or igt_runner's) in any format a reporter plugin provides.
import { listReporters, renderReport, writeReportFile } from '../../reporters/index.ts';
import { ReportInputError } from '../../reporters/errors.ts';
import { readResults } from '../../reporters/results-reader.ts';
import { parse } from '../options.ts';
import { UsageError } from '../usage.ts';

const OPTIONS = {
  format: { type: 'string', short: 'f' },
  output: { type: 'string', short: 'o' },
} as const;

export default async function report(argv: string[]): Promise<number> {
  const { values, positionals } = parse('report', argv, OPTIONS);
  const formats = (await listReporters()).map((r) => r.name);
  const usage = `usage: primeci report DIR --format ${formats.join('|')} [-o FILE]`;
  if (positionals.length !== 1) throw new UsageError(`primeci report: expected one results directory\n${usage}`);
  if (!values.format) throw new UsageError(`primeci report: --format is required\n${usage}`);
  try {
    const results = await readResults(positionals[0]!);
    const env = process.env;
    const { content, annotations = [] } = await renderReport(results, values.format, { env });
    if (values.output) await writeReportFile(values.output, content, env);
    else process.stdout.write(content);
    for (const line of annotations) process.stdout.write(`${line}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ReportInputError)) throw error;
    process.stderr.write(`primeci report: ${error.message}\n`);
    return 2;
  }
}
