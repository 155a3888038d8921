// The per-patch check of a series: run the base and the whole series, compare
// them, and find for each regression the first patch that brings it by
// probing prefixes with the regressed tests only. Everything goes into one
// results root (reporters/compare/ci-root.ts) that later commands read alone.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { prefixFolder, ROOT_FILES } from '../../reporters/compare/ci-root.ts';
import { compareResultDirs, type CompareDirsOptions } from '../../reporters/compare/compare-dirs.ts';
import type { Comparison, SeriesRun } from '../../reporters/compare/comparison.ts';
import { renderComparison } from '../../reporters/compare/render.ts';
import { firstBadPatches } from './first-bad.ts';
import type { SeriesTarget } from './target.ts';

export interface SeriesCheckOptions extends CompareDirsOptions {
  root: string;
  /** A finished run of the base to compare with instead of running it. */
  baseResults?: string;
}

/** Tests with a regression (known or not) in a comparison. */
function regressedTests(c: Comparison): Set<string> {
  return new Set(c.changes.filter((x) => x.kind === 'regression').map((x) => x.test));
}

export async function checkSeries(target: SeriesTarget, options: SeriesCheckOptions): Promise<Comparison> {
  const { root, baseResults, ...compareOptions } = options;
  const n = target.subjects.length;
  await mkdir(root, { recursive: true });
  const runs: SeriesRun[] = [];
  const runPrefix = async (prefix: number, tests: readonly string[] | 'all'): Promise<string> => {
    const dir = join(root, prefixFolder(prefix, n));
    await target.run(prefix, dir, tests);
    runs.push({ prefix, results: prefixFolder(prefix, n), tests: tests === 'all' ? 'all' : [...tests] });
    return dir;
  };

  if (baseResults) runs.push({ prefix: 0, results: relative(root, baseResults), tests: 'all' });
  const baseDir = baseResults ?? (await runPrefix(0, 'all'));
  const seriesDir = await runPrefix(n, 'all');
  const comparison = await compareResultDirs(baseDir, seriesDir, compareOptions);
  const firstBad = await firstBadPatches(n, [...regressedTests(comparison)], async (prefix, tests) =>
    regressedTests(await compareResultDirs(baseDir, await runPrefix(prefix, tests))),
  );
  const checked: Comparison = {
    ...comparison,
    attribution: {
      patches: target.subjects.map((subject, i) => ({ index: i + 1, subject, build: target.describe(i + 1) })),
      firstBad: Object.fromEntries(firstBad),
      runs,
    },
  };
  await writeFile(join(root, ROOT_FILES.comparison), renderComparison(checked, 'json'));
  await writeFile(join(root, ROOT_FILES.page), renderComparison(checked, 'html'));
  return checked;
}
