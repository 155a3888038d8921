// Selecting jobs the way igt_runner does: -t includes, -x excludes, both
// case-insensitive regular expressions searched anywhere in igt@suite@subtest[@dyn].
import type { Job } from './job.ts';
import { UsageError } from './usage.ts';

export interface Filters {
  include: RegExp[];
  exclude: RegExp[];
}

export function compileFilters(include: string[], exclude: string[]): Filters {
  const compile = (flag: string) => (source: string) => {
    try {
      return new RegExp(source, 'i');
    } catch (e) {
      throw new UsageError(`${flag} ${JSON.stringify(source)}: invalid regular expression: ${(e as Error).message}`);
    }
  };
  return { include: include.map(compile('-t')), exclude: exclude.map(compile('-x')) };
}

export function selected(name: string, filters: Filters): boolean {
  const included = filters.include.length === 0 || filters.include.some((r) => r.test(name));
  return included && !filters.exclude.some((r) => r.test(name));
}

export function selectJobs(jobs: Job[], filters: Filters): Job[] {
  return jobs.filter((j) => selected(j.name, filters));
}
