// Comparing two results directories: reads both, links each result either to
// its published copy (Intel CI's layout URL/BUILD/HOST/TEST.html) or to the
// run's local HTML report.
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readResults } from '../results-reader.ts';
import { runInfo } from '../run-info.ts';
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
