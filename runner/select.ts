// Loading the suites a command names and selecting their jobs.
import type { Job } from './job.ts';
import { suiteJobs } from './job.ts';
import { compileFilters, selectJobs } from './plan.ts';
import { loadSuites, suiteFiles } from './scenario/load.ts';
import type { InputError } from './scenario/source.ts';

export interface Selection {
  jobs: Job[];
  /** Suites that could not be loaded; the others still run. */
  errors: InputError[];
}

export function selectTests(suites: string[], include: string[] = [], exclude: string[] = []): Selection {
  const filters = compileFilters(include, exclude);
  const loaded = loadSuites(suiteFiles(suites));
  return { jobs: selectJobs(loaded.suites.flatMap(suiteJobs), filters), errors: loaded.errors };
}
