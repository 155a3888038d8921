// Loading the suites a command names and planning their jobs.
import { suiteJobs, type Job } from './job.ts';
import { planJobs, type PlanOptions } from './plan.ts';
import { loadSuites, suiteFiles } from './scenario/load.ts';
import type { InputError } from './scenario/source.ts';

export interface Selection {
  jobs: Job[];
  /** Suites that could not be loaded; the others still run. */
  errors: InputError[];
}

export function selectTests(suites: string[], plan: Partial<PlanOptions> = {}): Selection {
  const loaded = loadSuites(suiteFiles(suites));
  const jobs = planJobs(loaded.suites.flatMap(suiteJobs), { include: [], exclude: [], repeat: 1, ...plan });
  return { jobs, errors: loaded.errors };
}
