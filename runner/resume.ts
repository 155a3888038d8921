// Where a run stands, read from its folder alone (igt_resume): a job whose
// journal has an end line finished; one with a journal but no end was running
// when the runner died and stays as it is (incomplete); the rest still run.
import { existsSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FILES, jobDir, parseCmdline, readJoblist, readMetadata, readText } from './results/layout.ts';
import { UsageError } from './usage.ts';

export interface RunState {
  finished: number[];
  interrupted: number[];
  pending: number[];
}

const END_LINE = /^(exit|timeout):/m;

export function runState(dir: string, jobCount: number): RunState {
  const state: RunState = { finished: [], interrupted: [], pending: [] };
  for (let index = 0; index < jobCount; index++) {
    const d = jobDir(dir, index);
    const journal = existsSync(d) ? readText(d, FILES.journal) : '';
    if (END_LINE.test(journal)) state.finished.push(index);
    else if (journal.length > 0) state.interrupted.push(index);
    else {
      // Killed between creating the folder and starting the journal: nothing ran.
      if (existsSync(d) && readdirSync(d).length === 0) rmdirSync(d);
      state.pending.push(index);
    }
  }
  return state;
}

/** The folder is a run this resume can continue: its job list is the one the
 * suites give now, and each job's place is a folder (or not there yet). */
export function checkResumable(dir: string, names: string[]): void {
  const recorded = readJoblist(dir);
  if (recorded.length !== names.length || recorded.some((n, i) => n !== names[i])) {
    throw new UsageError(`--resume ${dir}: the suites changed since the run started (${join(dir, FILES.joblist)} no longer matches)`);
  }
  const { cmdline } = readMetadata(dir);
  if (cmdline !== undefined) parseCmdline(dir, cmdline);
  names.forEach((_, index) => {
    const job = jobDir(dir, index);
    if (existsSync(job) && !statSync(job).isDirectory()) throw new UsageError(`--resume ${dir}: ${job} is not a job folder`);
  });
}
