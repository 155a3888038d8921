// Where a run stands, read from its folder alone (igt_resume): a job whose
// journal has an end line finished; one with a journal but no end was running
// when the runner died and stays as it is (incomplete); the rest still run.
import { existsSync, readdirSync, rmdirSync } from 'node:fs';
import { FILES, jobDir, readText } from './results/layout.ts';

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
