// primeci ci --base BUILD --patch BUILD: the per-patch check. Runs the suites
// on both builds (each `primeci run` in its own process, with an HTML report
// the comparison links to), or takes finished results directories, then
// prints the CI Bug Log. Exit 1 when the verdict is FAILURE.
import { execa } from 'execa';
import { join, resolve } from 'node:path';
import { SELECTION_OPTIONS, parse } from '../options.ts';
import { UsageError } from '../usage.ts';
import { COMPARE_OPTIONS, compareAndReport } from './compare.ts';

const OPTIONS = {
  ...COMPARE_OPTIONS,
  ...SELECTION_OPTIONS,
  base: { type: 'string' },
  patch: { type: 'string' },
  'base-results': { type: 'string' },
  'patch-results': { type: 'string' },
  'results-root': { type: 'string' },
  workers: { type: 'string', short: 'j' },
  seed: { type: 'string' },
} as const;

const USAGE = `usage: primeci ci --base BUILD --patch BUILD [SUITE...] [-t REGEX]... [-x REGEX]... [-j N] [--seed N]
                 [--known-issues FILE] [--series NAME [--series-url URL]] [--format text|json|markdown|html] [-o FILE]
                 [--base-results DIR] [--patch-results DIR] [--results-root DIR]`;

const PRIMECI = new URL('../../bin/primeci.js', import.meta.url).pathname;

type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];

/** The `primeci run` arguments both builds share. */
function sharedRunArgs(values: Values, suites: string[]): string[] {
  return [
    ...suites,
    ...(values['include-tests'] ?? []).flatMap((re) => ['-t', re]),
    ...(values['exclude-tests'] ?? []).flatMap((re) => ['-x', re]),
    ...(values.workers ? ['--workers', values.workers] : []),
    ...(values.seed ? ['--seed', values.seed] : []),
    '--reporter',
    'html',
  ];
}

/** Runs the suites on one build into `dir`; its progress goes to stderr so stdout carries only the report. */
async function runBuild(build: string, dir: string, args: string[]): Promise<void> {
  process.stderr.write(`primeci ci: running ${build} into ${dir}\n`);
  const run = await execa('node', [PRIMECI, 'run', '--profile', build, '--results', dir, ...args], {
    reject: false,
    stdin: 'ignore',
    stdout: 2,
    stderr: 'inherit',
  });
  // primeci run exits 1 when tests fail: that is a result, not an error.
  if (run.exitCode !== 0 && run.exitCode !== 1) {
    throw new UsageError(`primeci ci: primeci run --profile ${build} failed (exit ${run.exitCode ?? run.signal}); see the messages above`);
  }
}

export default async function ci(argv: string[]): Promise<number> {
  const { values, positionals } = parse('ci', argv, OPTIONS);
  const needsRun = (results: string | undefined, build: string | undefined) => results === undefined && build === undefined;
  if (needsRun(values['base-results'], values.base) || needsRun(values['patch-results'], values.patch)) {
    throw new UsageError(`primeci ci: give --base BUILD (or --base-results DIR) and --patch BUILD (or --patch-results DIR)\n${USAGE}`);
  }
  const root = resolve(values['results-root'] ?? join('results', `ci-${new Date().toISOString().replace(/[:.]/g, '-')}`));
  const args = sharedRunArgs(values, positionals);
  const baseDir = values['base-results'] ?? join(root, 'base');
  const patchDir = values['patch-results'] ?? join(root, 'patch');
  if (!values['base-results']) await runBuild(values.base!, baseDir, args);
  if (!values['patch-results']) await runBuild(values.patch!, patchDir, args);
  return compareAndReport('ci', baseDir, patchDir, values);
}
