// Comparing two results directories: reads both, links each result either to
// its published copy (Intel CI's layout URL/BUILD/HOST/TEST.html) or to the
// run's local HTML report. A series check's results root compares again its
// base with its whole series and keeps the attribution its probes found.
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ReportInputError } from '../errors.ts';
import { readResults } from '../results-reader.ts';
import { runInfo } from '../run-info.ts';
import { ROOT_FILES, runDir, seriesRunDir, type CiRoot } from './ci-root.ts';
import { compareRuns, type Comparison, type RunInput } from './comparison.ts';
import type { KnownIssues } from './known-issues.ts';

export interface CompareDirsOptions {
  knownIssues?: KnownIssues;
  series?: { name: string; url?: string };
  /** Where results are published; without it links point at DIR/index.html. */
  resultsUrl?: string;
}

async function runInput(path: string, resultsUrl: string | undefined): Promise<RunInput> {
  const results = await readResults(path);
  const dir = (await stat(path)).isDirectory() ? path : dirname(path);
  const { build, host } = runInfo(results);
  const base = resultsUrl?.replace(/\/+$/, '');
  const link = base
    ? (test: string) => `${base}/${encodeURIComponent(build)}/${encodeURIComponent(host)}/${test}.html`
    : (test: string) => `${join(dir, 'index.html')}#${test}`;
  return { results, link };
}

export async function compareResultDirs(baseDir: string, patchDir: string, options: CompareDirsOptions = {}): Promise<Comparison> {
  const [base, patch] = await Promise.all([runInput(baseDir, options.resultsUrl), runInput(patchDir, options.resultsUrl)]);
  const patchBuild = runInfo(patch.results).build;
  const externalUrl = options.resultsUrl ? `${options.resultsUrl.replace(/\/+$/, '')}/${encodeURIComponent(patchBuild)}/index.html` : undefined;
  return compareRuns([base], [patch], { knownIssues: options.knownIssues, series: options.series, externalUrl });
}

/**
 * The comparison of a results root, made again from its base and whole-series
 * runs with today's options (known issues, links); the series name defaults
 * to the saved one. The first bad patches come from comparison.json: known
 * issues change no test's regression, so the probes' answers still hold.
 */
export async function compareCiRoot(root: CiRoot, options: CompareDirsOptions = {}): Promise<Comparison> {
  const { attribution, series } = root.comparison;
  const comparison = await compareResultDirs(runDir(root, 0), seriesRunDir(root), { ...options, series: options.series ?? series });
  const unattributed = comparison.changes.find((c) => c.kind === 'regression' && attribution.firstBad[c.test] === undefined);
  if (unattributed) {
    throw new ReportInputError(
      `${root.dir}: ${unattributed.test} regressed but ${ROOT_FILES.comparison} names no first bad patch for it; its runs changed since the check`,
    );
  }
  return { ...comparison, attribution };
}
