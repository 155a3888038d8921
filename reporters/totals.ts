// Status counts of a run, counted from its tests (IGT's "root" totals).
import { emptyTotals, STATUSES, type Status, type TestrunResult, type Totals } from '../runner/results/igt.ts';
import { outcomeOf, type Outcome } from './status.ts';

export function countStatuses(results: TestrunResult): Totals {
  const totals = emptyTotals();
  for (const test of Object.values(results.tests)) totals[test.result] += 1;
  return totals;
}

export function countOutcomes(results: TestrunResult): Record<Outcome, number> {
  const counts: Record<Outcome, number> = { pass: 0, skip: 0, failure: 0, error: 0 };
  for (const test of Object.values(results.tests)) counts[outcomeOf(test.result)] += 1;
  return counts;
}

/** "12 pass, 1 incomplete, 3 skip": the statuses present, in IGT's order. */
export function describeTotals(totals: Totals): string {
  const present = STATUSES.filter((s: Status) => totals[s] > 0);
  return present.length ? present.map((s) => `${totals[s]} ${s}`).join(', ') : 'no tests';
}
