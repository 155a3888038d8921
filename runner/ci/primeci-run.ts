// One `primeci run` of a check, in its own process: its progress goes to
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

/** Runs `primeci run ARGS --results DIR`; `what` names the run in messages. */
export async function primeciRun(what: string, dir: string, args: string[]): Promise<void> {
  process.stderr.write(`primeci ci: running ${what} into ${dir}\n`);
  const run = await execa('node', [PRIMECI, 'run', '--results', dir, ...args], {
    reject: false,
    stdin: 'ignore',
    stdout: 2,
    stderr: 'inherit',
  });
  // primeci run exits 1 when tests fail: that is a result, not an error.
  if (run.exitCode !== 0 && run.exitCode !== 1) {
    throw new UsageError(`primeci ci: primeci run of ${what} failed (exit ${run.exitCode ?? run.signal}); see the messages above`);
  }
}
