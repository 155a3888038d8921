// The reporter registry: every module in reporters/formats/ is a plugin, found
// at run time, so adding a format touches no other code.
import { appendFile, readdir, writeFile } from 'node:fs/promises';
import { makeFolder } from '../runner/folders.ts';
import { UsageError } from '../runner/usage.ts';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { TestrunResult } from '../runner/results/igt.ts';
import type { Report, ReportContext, Reporter } from './reporter.ts';
import { ReportInputError } from './errors.ts';

export type { Report, ReportContext, Reporter } from './reporter.ts';

/** A reporter asked for that does not exist, or a report that cannot be written. */
export class ReportError extends ReportInputError {
  override name = 'ReportError';
}

const FORMATS_DIR = new URL('./formats/', import.meta.url);
let registry: Promise<Map<string, Reporter>> | undefined;

async function loadRegistry(): Promise<Map<string, Reporter>> {
  const files = (await readdir(FORMATS_DIR)).filter((f) => f.endsWith('.ts')).sort();
  const reporters = new Map<string, Reporter>();
  for (const file of files) {
    const plugin = (await import(new URL(file, FORMATS_DIR).href)) as { default: Reporter };
    reporters.set(plugin.default.name, plugin.default);
  }
  return reporters;
}

export async function listReporters(): Promise<Reporter[]> {
  registry ??= loadRegistry();
  return [...(await registry).values()];
}

export async function getReporter(name: string): Promise<Reporter> {
  const reporters = await listReporters();
  const reporter = reporters.find((r) => r.name === name);
  if (!reporter) {
    throw new ReportError(`unknown report format "${name}" (known: ${reporters.map((r) => r.name).join(', ')})`);
  }
  return reporter;
}

export async function renderReport(results: TestrunResult, format: string, context: ReportContext): Promise<Report> {
  return (await getReporter(format)).render(results, context);
}

/** `NAME[=FILE]` as given to `run --reporter`. */
export function parseReporterSpec(spec: string): { name: string; file?: string } {
  const eq = spec.indexOf('=');
  return eq < 0 ? { name: spec } : { name: spec.slice(0, eq), file: spec.slice(eq + 1) || undefined };
}

/** Writes a report; the GitHub job summary file is shared by a job's steps, so it is appended to. */
export async function writeReportFile(file: string, content: string, env: ReportContext['env']): Promise<void> {
  try {
    makeFolder(dirname(resolve(file)), `report ${file}`);
    if (env.GITHUB_STEP_SUMMARY && resolve(env.GITHUB_STEP_SUMMARY) === resolve(file)) await appendFile(file, content);
    else await writeFile(file, content);
  } catch (error) {
    if (error instanceof UsageError) throw new ReportError(error.message);
    throw new ReportError(`cannot write report ${file}: ${(error as Error).message}`);
  }
}

/**
 * Writes one report per `NAME[=FILE]` spec; without FILE the reporter's own
 * file name inside `resultsDir`. Annotations go to stdout for the CI log.
 */
export async function writeReports(results: TestrunResult, specs: string[], resultsDir: string): Promise<void> {
  const context: ReportContext = { env: process.env };
  const wanted = specs.map(parseReporterSpec);
  const reporters = await Promise.all(wanted.map((spec) => getReporter(spec.name)));
  for (const [i, reporter] of reporters.entries()) {
    const file = wanted[i]!.file;
    const target = file ? (isAbsolute(file) ? file : resolve(file)) : join(resultsDir, reporter.defaultFile);
    const report = await reporter.render(results, context);
    await writeReportFile(target, report.content, context.env);
    for (const line of report.annotations ?? []) process.stdout.write(`${line}\n`);
  }
}
