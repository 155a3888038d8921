// What Patchwork is told about a series: upstream Patchwork's check
// (/api/patches/{id}/checks/) or the freedesktop fork's test result
// (/api/1.0/series/{id}/revisions/{v}/test-results/), made from a comparison
// or from a single run.
import type { TestrunResult } from '../../runner/results/igt.ts';
import { formatConsoleSummary } from '../console.ts';
import { renderBugLog } from '../compare/bug-log.ts';
import type { Comparison } from '../compare/comparison.ts';
import { ReportInputError } from '../errors.ts';
import { runInfo } from '../run-info.ts';
import { countOutcomes, countStatuses, describeTotals } from '../totals.ts';

/** Upstream Patchwork's check: only the newest per context counts. */
export interface Check {
  state: 'pending' | 'success' | 'warning' | 'fail';
  context: string;
  description: string;
  target_url: string | null;
}

/** The freedesktop fork's test result: `summary` is mailed verbatim under "== Summary ==". */
export interface TestResultForm {
  test_name: string;
  state: 'pending' | 'info' | 'success' | 'warning' | 'failure';
  url: string | null;
  summary: string;
}

/** What is being reported: a base→patch comparison, a single run, or "still running". */
export type Subject = { comparison: Comparison } | { run: TestrunResult } | { pending: true };

export interface PayloadOptions {
  context: string;
  targetUrl?: string;
}

// Patchwork's Check model: context is a slug, target_url at most 200 characters.
const CONTEXT = /^[-a-zA-Z0-9_]+$/;
const MAX_TARGET_URL = 200;

export function checkTargetUrl(url: string | undefined): string | null {
  if (url === undefined) return null;
  if (url.length > MAX_TARGET_URL) throw new ReportInputError(`--target-url is ${url.length} characters; Patchwork accepts at most ${MAX_TARGET_URL}`);
  return url;
}

function runFailed(results: TestrunResult): boolean {
  const outcomes = countOutcomes(results);
  return outcomes.failure + outcomes.error > 0;
}

function describe(subject: Subject): string {
  if ('pending' in subject) return 'Testing in progress';
  if ('run' in subject) {
    const { build, host } = runInfo(subject.run);
    return `${build} on ${host}: ${describeTotals(countStatuses(subject.run))}`;
  }
  const c = subject.comparison;
  const unknown = c.changes.filter((x) => !x.known && !x.suppressed && x.kind !== 'fix');
  const counted = unknown.length ? ` (${unknown.length} unknown change${unknown.length > 1 ? 's' : ''})` : '';
  return `CI Bug Log - changes from ${c.base.build} -> ${c.patch.build}: ${c.verdict}${counted}`;
}

function defaultUrl(subject: Subject, options: PayloadOptions): string | undefined {
  return options.targetUrl ?? ('comparison' in subject ? subject.comparison.externalUrl : undefined);
}

export function checkContext(context: string): string {
  if (!CONTEXT.test(context)) throw new ReportInputError(`--context ${JSON.stringify(context)}: Patchwork wants letters, digits, '-' and '_' only`);
  return context;
}

export function checkPayload(subject: Subject, options: PayloadOptions): Check {
  checkContext(options.context);
  const state: Check['state'] =
    'pending' in subject
      ? 'pending'
      : 'run' in subject
        ? runFailed(subject.run)
          ? 'fail'
          : 'success'
        : ({ FAILURE: 'fail', WARNING: 'warning', SUCCESS: 'success' } as const)[subject.comparison.verdict];
  return { state, context: options.context, description: describe(subject), target_url: checkTargetUrl(defaultUrl(subject, options)) };
}

/** Intel CI posts a WARNING verdict with state success (its mail still says WARNING). */
export function testResultForm(subject: Subject, options: PayloadOptions): TestResultForm {
  if (!options.context.trim()) throw new ReportInputError('--context must not be empty');
  const url = checkTargetUrl(defaultUrl(subject, options));
  if ('pending' in subject) return { test_name: options.context, state: 'pending', url, summary: describe(subject) };
  if ('run' in subject) {
    const state = runFailed(subject.run) ? 'failure' : 'success';
    return { test_name: options.context, state, url, summary: formatConsoleSummary(subject.run) };
  }
  const state = subject.comparison.verdict === 'FAILURE' ? 'failure' : 'success';
  return { test_name: options.context, state, url, summary: renderBugLog(subject.comparison) };
}
