// A job: one subtest (or one dynamic subtest) of one suite, run on a fresh session.
import type { DynamicSubtest, Subtest, Suite } from './scenario/model.ts';

export interface Job {
  /** igt@suite@subtest[@dynamic], lower case as igt_runner reports it */
  name: string;
  suite: Suite;
  subtest: Subtest;
  dynamic?: DynamicSubtest;
}

/** What a worker needs to find a job again: the suite file and the test name. */
export interface JobRef {
  file: string;
  name: string;
}

export function jobName(suite: string, subtest: string, dynamic?: string): string {
  return ['igt', suite, subtest, ...(dynamic === undefined ? [] : [dynamic])].join('@').toLowerCase();
}

/** Every job of a suite, in file order, dynamic subtests expanded. */
export function suiteJobs(suite: Suite): Job[] {
  return suite.subtests.flatMap((subtest) =>
    subtest.dynamic
      ? subtest.dynamic.map((dynamic) => ({ name: jobName(suite.name, subtest.name, dynamic.name), suite, subtest, dynamic }))
      : [{ name: jobName(suite.name, subtest.name), suite, subtest }],
  );
}
