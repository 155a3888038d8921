// Compares the results of a base build with a patched build, host by host, as
// CI Bug Log does: what regressed, what got fixed, what changed between two
// bad statuses, which tests are new, and which of these are known issues.
import type { Status, TestResult, TestrunResult } from '../../runner/results/igt.ts';
import { runInfo } from '../run-info.ts';
import { outcomeOf } from '../status.ts';
import { duration } from '../test-output.ts';
import { isUntrusted, matchingIssues, NO_KNOWN_ISSUES, type KnownIssues } from './known-issues.ts';

/** One side's run: its results and where a reader finds each test's result. */
export interface RunInput {
  results: TestrunResult;
  /** Link to one test's result in this run. */
  link(test: string): string;
}

export interface ResultRef {
  status: Status;
  url: string;
  /** Bug tags of the known issues this result matches. */
  bugs: string[];
}

/**
 * regression: good (or not run) → bad; fix: bad → good; warning: one bad
 * status → another.
 */
export type ChangeKind = 'regression' | 'fix' | 'warning';

export interface Change {
  test: string;
  host: string;
  kind: ChangeKind;
  /** Empty when the test did not run on the base (NOTRUN). */
  before: ResultRef[];
  after: ResultRef[];
  /** The bad side matches known issues: listed under "Known issues", no effect on the verdict. */
  known: boolean;
  /** On an untrusted host/test/status: listed under "Suppressed", no effect on the verdict. */
  suppressed: boolean;
  /** The test does not exist in the base at all. */
  newTest: boolean;
}

export interface NewTest {
  test: string;
  statuses: Partial<Record<Status, number>>;
  /** Seconds, one per host that ran it. */
  times: number[];
}

export type Verdict = 'SUCCESS' | 'WARNING' | 'FAILURE';

export interface BuildInfo {
  build: string;
  hosts: string[];
  /** uname of the first run, shown under "Build changes". */
  uname: string;
}

export interface Comparison {
  __type__: 'primeci.Comparison';
  base: BuildInfo;
  patch: BuildInfo;
  verdict: Verdict;
  changes: Change[];
  newTests: NewTest[];
  /** Bug tag → URL for every tag used in `changes`. */
  bugs: Record<string, string>;
  series?: { name: string; url?: string };
  /** Where the patch run's full results are published. */
  externalUrl?: string;
  /** A series checked patch by patch (`primeci ci`): which patch brings each regression. */
  attribution?: SeriesAttribution;
}

/** Patch k of a series of n, shown as `[PATCH k/n] subject`. */
export interface SeriesPatch {
  /** 1-based. */
  index: number;
  subject: string;
  /** The build of the series up to and including this patch. */
  build: string;
}

/** One run of a series check: prefix 0 is the base, prefix n the whole series. */
export interface SeriesRun {
  prefix: number;
  /** The results directory, relative to the check's results root. */
  results: string;
  /** Probes run only the tests that regressed on the whole series. */
  tests: 'all' | string[];
}

export interface SeriesAttribution {
  patches: SeriesPatch[];
  /** Each test that regressed on the whole series → the index of the first patch that brings it. */
  firstBad: Record<string, number>;
  /** Every prefix run, each once, in the order they ran. */
  runs: SeriesRun[];
}

export interface CompareOptions {
  knownIssues?: KnownIssues;
  series?: { name: string; url?: string };
  externalUrl?: string;
}

interface HostRun {
  host: string;
  run: RunInput;
}

const isGood = (refs: ResultRef[]) => refs.length > 0 && refs.every((r) => r.status === 'pass');
const sameStatuses = (a: ResultRef[], b: ResultRef[]) =>
  [...new Set(a.map((r) => r.status))].sort().join() === [...new Set(b.map((r) => r.status))].sort().join();

function classify(before: ResultRef[], after: ResultRef[]): ChangeKind | undefined {
  if (isGood(after)) return before.length && !isGood(before) ? 'fix' : undefined;
  // A test that did not run before and skips now changed nothing.
  if (before.length === 0) return after.every((r) => outcomeOf(r.status) === 'skip') ? undefined : 'regression';
  if (isGood(before)) return 'regression';
  return sameStatuses(before, after) ? undefined : 'warning';
}

function buildInfo(runs: HostRun[]): BuildInfo {
  const info = runs.map(({ run }) => runInfo(run.results));
  return {
    build: info[0]?.build ?? 'unknown',
    hosts: [...new Set(runs.map((r) => r.host))].sort(),
    uname: runs[0]?.run.results.uname ?? '',
  };
}

export function verdictOf(changes: Change[]): Verdict {
  const unknown = changes.filter((c) => !c.known && !c.suppressed);
  if (unknown.some((c) => c.kind === 'regression')) return 'FAILURE';
  if (unknown.some((c) => c.kind === 'warning')) return 'WARNING';
  return 'SUCCESS';
}

/**
 * Compares per host. When the two sides share no host at all (two different
 * machines), every patch host is compared with all base results.
 */
export function compareRuns(baseRuns: RunInput[], patchRuns: RunInput[], options: CompareOptions = {}): Comparison {
  const known = options.knownIssues ?? NO_KNOWN_ISSUES;
  const withHost = (run: RunInput): HostRun => ({ host: runInfo(run.results).host, run });
  const base = baseRuns.map(withHost);
  const patch = patchRuns.map(withHost);
  const shareHosts = patch.some((p) => base.some((b) => b.host === p.host));
  const baseTests = new Set(base.flatMap(({ run }) => Object.keys(run.results.tests)));

  const refsOf = (runs: HostRun[], test: string, host: string): ResultRef[] =>
    runs.flatMap(({ run }) => {
      const result: TestResult | undefined = run.results.tests[test];
      if (!result || result.result === 'notrun') return [];
      const issues = result.result === 'pass' ? [] : matchingIssues(known, { test, host, result });
      return [{ status: result.result, url: run.link(test), bugs: issues.flatMap((i) => Object.keys(i.bugs)) }];
    });

  const changes: Change[] = [];
  const newTests = new Map<string, NewTest>();
  for (const host of [...new Set(patch.map((p) => p.host))].sort()) {
    const patchOnHost = patch.filter((p) => p.host === host);
    const baseOnHost = shareHosts ? base.filter((b) => b.host === host) : base;
    const tests = new Set(patchOnHost.flatMap(({ run }) => Object.keys(run.results.tests)));
    for (const test of [...tests].sort()) {
      const after = refsOf(patchOnHost, test, host);
      if (!after.length) continue;
      const newTest = !baseTests.has(test);
      if (newTest) recordNewTest(newTests, test, patchOnHost);
      const before = newTest ? [] : refsOf(baseOnHost, test, host);
      const kind = classify(before, after);
      if (!kind) continue;
      const bad = kind === 'fix' ? before : after;
      const suppressed = patchOnHost.some(({ run }) => {
        const result = run.results.tests[test];
        return result !== undefined && isUntrusted(known, { test, host, result });
      });
      changes.push({ test, host, kind, before, after, known: bad.every((r) => r.bugs.length > 0), suppressed, newTest });
    }
  }
  return {
    __type__: 'primeci.Comparison',
    base: buildInfo(base),
    patch: buildInfo(patch),
    verdict: verdictOf(changes),
    changes,
    newTests: [...newTests.values()],
    bugs: bugLinks(known, changes),
    ...(options.series ? { series: options.series } : {}),
    ...(options.externalUrl ? { externalUrl: options.externalUrl } : {}),
  };
}

/** Tag → URL for the bugs the listed changes carry. */
function bugLinks(known: KnownIssues, changes: Change[]): Record<string, string> {
  const used = new Set(changes.flatMap((c) => [...c.before, ...c.after].flatMap((r) => r.bugs)));
  const links: Record<string, string> = {};
  for (const issue of known.issues) {
    for (const [tag, url] of Object.entries(issue.bugs)) if (used.has(tag)) links[tag] = url;
  }
  return links;
}

function recordNewTest(newTests: Map<string, NewTest>, test: string, runs: HostRun[]): void {
  const entry = newTests.get(test) ?? { test, statuses: {}, times: [] };
  for (const { run } of runs) {
    const result = run.results.tests[test];
    if (!result || result.result === 'notrun') continue;
    entry.statuses[result.result] = (entry.statuses[result.result] ?? 0) + 1;
    entry.times.push(duration(result));
  }
  newTests.set(test, entry);
}
