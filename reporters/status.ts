// How each IGT status reads in the report formats. One place decides which
// statuses are good, skipped, failed or errored, so every reporter agrees.
import type { Status } from '../runner/results/igt.ts';

/**
 * pass: the test did what it should. skip: it did not run its body.
 * failure: it ran and something was wrong (including kernel warnings).
 * error: it never finished (the machine hung, crashed or was aborted).
 */
export type Outcome = 'pass' | 'skip' | 'failure' | 'error';

const OUTCOMES: Record<Status, Outcome> = {
  pass: 'pass',
  skip: 'skip',
  notrun: 'skip',
  warn: 'failure',
  'dmesg-warn': 'failure',
  fail: 'failure',
  'dmesg-fail': 'failure',
  timeout: 'error',
  incomplete: 'error',
  crash: 'error',
  abort: 'error',
};

export function outcomeOf(status: Status): Outcome {
  return OUTCOMES[status];
}

/** The word Intel CI prints for a status: PASS, DMESG-WARN, INCOMPLETE, … */
export function statusWord(status: Status): string {
  return status.toUpperCase();
}
