// One run of a check, a `primeci` process of its own: its progress goes to
// stderr so that stdout carries only the check's report.
import { execa } from 'execa';
import { UsageError } from '../usage.ts';
import type { RunSelection } from './target.ts';

const PRIMECI = new URL('../../bin/primeci.js', import.meta.url).pathname;

const exactName = (test: string) => `^${test.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;

/** The `primeci run` arguments of a selection, narrowed to the named tests for a probe. */
export function selectionArgs(selection: RunSelection, tests: readonly string[] | 'all'): string[] {
  const filters =
    tests === 'all'
      ? [...selection.include.flatMap((re) => ['-t', re]), ...selection.exclude.flatMap((re) => ['-x', re])]
      : tests.flatMap((test) => ['-t', exactName(test)]);
  return [
    ...selection.suites,
    ...filters,
    ...(selection.workers ? ['--workers', selection.workers] : []),
    ...(selection.seed ? ['--seed', selection.seed] : []),
    '--reporter',
    'html',
  ];
}

/**
 * Runs `primeci ARGV` (a `run`, or a `vm ... -- run`) whose results go to
 * `dir`; `what` names the build in messages.
 */
export async function primeciRun(what: string, dir: string, argv: string[]): Promise<void> {
  process.stderr.write(`primeci ci: running ${what} into ${dir}\n`);
  const run = await execa('node', [PRIMECI, ...argv], {
    reject: false,
    stdin: 'ignore',
    stdout: 2,
    stderr: 'inherit',
  });
  // primeci run exits 1 when tests fail: that is a result, not an error.
  if (run.exitCode !== 0 && run.exitCode !== 1) {
    throw new UsageError(`primeci ci: the run of ${what} failed (primeci ${argv[0]} exit ${run.exitCode ?? run.signal}); see the messages above`);
  }
}
