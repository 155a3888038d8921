// One coverage row per catalogued IGT subtest: is it mirrored, what did the
// simulator say, where can it run natively, and what deliberately differs.
import type { TestrunResult } from '../results/igt.ts';
import { suiteJobs, type Job } from '../job.ts';
import type { Suite } from '../scenario/model.ts';
import { catalogueTests, type IgtBinary } from './catalogue.ts';
import { nativeTargets } from './portability.ts';

export interface CoverageRow {
  /** igt@binary@subtest[@dynamic] */
  test: string;
  /** "yes", or "no: why". */
  mirrored: string;
  /** The run's status, with the reason of a skip; "not run" when the run lacks it. */
  verdict: string;
  native: string;
  differs: string;
}

export interface BinaryCoverage {
  binary: IgtBinary;
  /** The suite file mirroring it (relative to the repository), if there is one. */
  suiteFile?: string;
  rows: CoverageRow[];
}

export function coverage(catalogue: IgtBinary[], suites: Suite[], results: TestrunResult): BinaryCoverage[] {
  return catalogue.map((binary) => {
    const suite = suites.find((s) => s.name === binary.binary);
    const jobs = new Map((suite ? suiteJobs(suite) : []).map((j) => [j.name, j]));
    const rows = catalogueTests(binary).map((test) => {
      const job = jobs.get(test);
      if (!job) {
        const why = suite ? `suites/${suite.name}.yaml has no such subtest` : `no suites/${binary.binary}.yaml`;
        return { test, mirrored: `no: ${why}`, verdict: '—', native: '—', differs: '—' };
      }
      return { test, mirrored: 'yes', verdict: verdict(results, test), native: nativeTargets(job), differs: differences(job) };
    });
    return { binary, ...(suite && { suiteFile: `suites/${suite.name}.yaml` }), rows };
  });
}

/** The status, and for a skip the requirement IGT's output names. */
function verdict(results: TestrunResult, test: string): string {
  const result = results.tests[test];
  if (!result) return 'not run';
  if (result.result !== 'skip') return result.result;
  const reason = /^Test requirement: (.*)$/m.exec(result.out)?.[1];
  return reason ? `skip: ${reason}` : 'skip';
}

function differences(job: Job): string {
  const notes = [job.suite.differs, job.subtest.differs].filter((d): d is string => d !== undefined);
  return notes.length > 0 ? notes.map((n) => n.trim()).join(' ') : '—';
}
