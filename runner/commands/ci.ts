// primeci ci --base BUILD --patch P [--patch P2 ...]: the per-patch check of
// a series. Runs the base and the whole series (each `primeci run` in its own
// process, with an HTML report the comparison links to), finds the first bad
// patch of each regression, and prints the CI Bug Log; or compares two
// finished results directories. Exit 1 when the verdict is FAILURE.
// With --native, the patches are real ones (files, a series mbox, or a
// Patchwork series) built into real kernels and run in QEMU; with
// --patchwork, each patch then gets its own check on the server.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readResults } from '../../reporters/results-reader.ts';
import { runInfo } from '../../reporters/run-info.ts';
import { readSeries, type SeriesPatch } from '../../kernel/series.ts';
import type { Comparison } from '../../reporters/compare/comparison.ts';
import { postChecks } from '../../reporters/patchwork/checks.ts';
import { perPatchStates } from '../../reporters/patchwork/per-patch.ts';
import { readToken } from '../../reporters/patchwork/post.ts';
import { fetchSeries, type PatchworkSeries } from '../../reporters/patchwork/series.ts';
import { checkSeries } from '../ci/check-series.ts';
import { nativeTarget } from '../ci/native-target.ts';
import { seriesTarget, TARGET_NAMES } from '../ci/target.ts';
import { SELECTION_OPTIONS, integer, parse } from '../options.ts';
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
  native: { type: 'boolean' },
  source: { type: 'string' },
  full: { type: 'boolean' },
  lockdep: { type: 'boolean' },
  patchwork: { type: 'string' },
  'series-id': { type: 'string' },
  context: { type: 'string' },
} as const;

const USAGE = `usage: primeci ci --base BUILD --patch PATCH [--patch PATCH]... [SUITE...] [-t REGEX]... [-x REGEX]... [-j N] [--seed N]
                 [--backend ${TARGET_NAMES.join('|')}] [--results-root DIR] [--base-results DIR]
                 [--known-issues FILE] [--series NAME [--series-url URL]] [--results-url URL] [--format text|json|markdown|html] [-o FILE]
       primeci ci --native [--source debian-6.1|DIR] [--full|--lockdep] (--patch FILE... | --series FILE.mbox | --patchwork URL --series-id N [--context NAME])
                 [SUITE...] [-t REGEX]... [-x REGEX]... [--results-root DIR] [--known-issues FILE] [--format ...] [-o FILE]
       primeci ci --base-results DIR --patch-results DIR [--known-issues FILE] ...`;

type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];

interface NativeInput {
  patches: SeriesPatch[];
  /** The series' name (and page) for the report, from its mbox or Patchwork. */
  name: string;
  url?: string;
  patchwork?: { url: string; series: PatchworkSeries };
}

/** The patches of a native check: --patch files and a --series mbox, or a Patchwork series. */
async function nativeInput(values: Values): Promise<NativeInput> {
  if (values.patchwork !== undefined) {
    if (values.patch?.length || values.series) throw new UsageError('primeci ci: --patchwork brings its own series: drop --patch and --series');
    const id = integer('--series-id', values['series-id'], 0, 1);
    if (!id) throw new UsageError('primeci ci: --patchwork URL needs --series-id N');
    const series = await fetchSeries(values.patchwork, id);
    return { patches: series.patches, name: series.name, url: series.url, patchwork: { url: values.patchwork, series } };
  }
  if (values['series-id'] !== undefined) throw new UsageError('primeci ci: --series-id goes with --patchwork URL');
  // --series names the series in the report; natively it may be the series' mbox itself.
  const mbox = values.series !== undefined && existsSync(values.series) && statSync(values.series).isFile() ? values.series : undefined;
  const files = [...(values.patch ?? []), ...(mbox ? [mbox] : [])];
  if (!files.length) throw new UsageError(`primeci ci --native: give the patches (--patch FILE..., --series FILE.mbox, or --patchwork URL --series-id N)\n${USAGE}`);
  const series = await readSeries(files);
  return { patches: series.patches, name: mbox || !values.series ? series.name : values.series };
}

/** One Patchwork check per patch, its state from that patch's own verdict. */
async function postSeriesChecks(values: Values, patchwork: NonNullable<NativeInput['patchwork']>, comparison: Comparison): Promise<number> {
  const token = await readToken(process.env);
  const checks = perPatchStates(comparison).map((s) => ({ patchId: patchwork.series.patches[s.index - 1]!.patchId, state: s.state, description: s.description }));
  const outcomes = await postChecks(patchwork.url, token, checks, { context: values.context ?? 'primeci', targetUrl: values['results-url'] });
  for (const o of outcomes) {
    process.stderr.write(`primeci ci: patch ${o.patchId}: ${o.state}: ${'error' in o ? `not posted: ${o.error}` : `posted (HTTP ${o.status})`}\n`);
  }
  return outcomes.some((o) => 'error' in o) ? 2 : 0;
}

export default async function ci(argv: string[]): Promise<number> {
  const { values, positionals } = parse('ci', argv, OPTIONS);
  const native = values.native || values.backend === 'native';
  if (!native) {
    for (const flag of ['source', 'full', 'lockdep', 'patchwork', 'series-id'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`primeci ci: --${flag} is for real kernels: add --native`);
    }
  } else if (values['base-results'] || values['patch-results']) {
    throw new UsageError('primeci ci --native builds and runs both sides: drop --base-results / --patch-results');
  }
  if (native) return nativeCheck(values, positionals);
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

/** primeci ci --native: real kernels built from the series, run in QEMU. */
async function nativeCheck(values: Values, suites: string[]): Promise<number> {
  const input = await nativeInput(values);
  const base = values.base ?? `${values.source ?? 'debian-6.1'}${values.lockdep ? '+lockdep' : ''}`;
  const selection = { suites, include: values['include-tests'] ?? [], exclude: values['exclude-tests'] ?? [], workers: values.workers, seed: values.seed };
  const target = nativeTarget(
    { base, selection },
    { source: values.source, full: values.full ?? false, lockdep: values.lockdep ?? false, patches: input.patches },
  );
  const root = resolve(values['results-root'] ?? join('results', `ci-${new Date().toISOString().replace(/[:.]/g, '-')}`));
  if (existsSync(root) && readdirSync(root).length > 0) throw new UsageError(`primeci ci: --results-root ${root} is not empty; choose a new folder`);
  const n = target.subjects.length;
  process.stderr.write(`primeci ci: ${n} patch${n === 1 ? '' : 'es'} on ${base} (real kernels in QEMU), results root ${root}\n`);
  let comparison: Comparison | undefined;
  const status = await reportComparison('ci', { ...values, series: input.name, 'series-url': values['series-url'] ?? input.url }, async (options) => {
    comparison = await checkSeries(target, { ...options, root });
    return comparison;
  });
  if (!input.patchwork || !comparison) return status;
  const posted = await postSeriesChecks(values, input.patchwork, comparison);
  return posted || status;
}
