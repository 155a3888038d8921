// primeci ci --base BUILD --patch P [--patch P2 ...]: the per-patch check of
// a series. Runs the base and the whole series (each `primeci run` in its own
// process, with an HTML report the comparison links to), finds the first bad
// patch of each regression, and prints the CI Bug Log; or compares two
// finished results directories. Exit 1 when the verdict is FAILURE.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readResults } from '../../reporters/results-reader.ts';
import { runInfo } from '../../reporters/run-info.ts';
import { checkSeries } from '../ci/check-series.ts';
import { seriesTarget, TARGET_NAMES } from '../ci/target.ts';
import { SELECTION_OPTIONS, parse } from '../options.ts';
import { UsageError } from '../usage.ts';
import { COMPARE_OPTIONS, compareAndReport, reportComparison } from './compare.ts';

const OPTIONS = {
  ...COMPARE_OPTIONS,
  ...SELECTION_OPTIONS,
  base: { type: 'string' },
  patch: { type: 'string', multiple: true },
  backend: { type: 'string' },
  'base-results': { type: 'string' },
  'patch-results': { type: 'string' },
  'results-root': { type: 'string' },
  workers: { type: 'string', short: 'j' },
  seed: { type: 'string' },
} as const;

const USAGE = `usage: primeci ci --base BUILD --patch PATCH [--patch PATCH]... [SUITE...] [-t REGEX]... [-x REGEX]... [-j N] [--seed N]
                 [--backend ${TARGET_NAMES.join('|')}] [--results-root DIR] [--base-results DIR]
                 [--known-issues FILE] [--series NAME [--series-url URL]] [--results-url URL] [--format text|json|markdown|html] [-o FILE]
       primeci ci --base-results DIR --patch-results DIR [--known-issues FILE] ...`;

export default async function ci(argv: string[]): Promise<number> {
  const { values, positionals } = parse('ci', argv, OPTIONS);
  const patches = values.patch ?? [];
  if (values['base-results'] && values.base) throw new UsageError(`primeci ci: give --base or --base-results, not both\n${USAGE}`);
  if (values['patch-results']) {
    // Two finished runs: nothing to run, no series to attribute.
    if (patches.length || !values['base-results']) {
      throw new UsageError(`primeci ci: --patch-results compares two finished runs: give it with --base-results and without --patch\n${USAGE}`);
    }
    return compareAndReport('ci', values['base-results'], values['patch-results'], values);
  }
  if (!patches.length || !(values.base || values['base-results'])) {
    throw new UsageError(`primeci ci: give --base BUILD (or --base-results DIR) and --patch BUILD (or one --patch per patch of the series)\n${USAGE}`);
  }
  const base = values.base ?? runInfo(await readResults(values['base-results']!)).build;
  const target = await seriesTarget(values.backend ?? 'sim', {
    base,
    patches,
    selection: {
      suites: positionals,
      include: values['include-tests'] ?? [],
      exclude: values['exclude-tests'] ?? [],
      workers: values.workers,
      seed: values.seed,
    },
  });
  const root = resolve(values['results-root'] ?? join('results', `ci-${new Date().toISOString().replace(/[:.]/g, '-')}`));
  if (existsSync(root) && readdirSync(root).length > 0) throw new UsageError(`primeci ci: --results-root ${root} is not empty; choose a new folder`);
  const n = target.subjects.length;
  process.stderr.write(`primeci ci: ${n} patch${n === 1 ? '' : 'es'} on ${base}, results root ${root}\n`);
  return reportComparison('ci', values, (options) =>
    checkSeries(target, { ...options, root, baseResults: values['base-results'] && resolve(values['base-results']) }),
  );
}
