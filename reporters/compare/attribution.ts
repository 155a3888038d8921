// A series' attribution as every report format shows it: `[PATCH k/n]
// subject` beside each regression, and per patch the tests it first breaks.
import type { Change, Comparison, SeriesAttribution, SeriesPatch } from './comparison.ts';

export function patchLabel(patch: SeriesPatch, attribution: SeriesAttribution): string {
  return `[PATCH ${patch.index}/${attribution.patches.length}] ${patch.subject}`;
}

/** `[PATCH k/n] subject` of a regression's first bad patch, when the comparison is a series'. */
export function firstBadLabel(c: Comparison, change: Change): string | undefined {
  if (!c.attribution || change.kind !== 'regression') return undefined;
  const index = c.attribution.firstBad[change.test];
  const patch = c.attribution.patches.find((p) => p.index === index);
  return patch && patchLabel(patch, c.attribution);
}

export interface PatchRow {
  patch: SeriesPatch;
  /** The regressed tests this patch is the first bad patch of; none: it changes nothing. */
  firstBreaks: string[];
}

export function patchRows(attribution: SeriesAttribution): PatchRow[] {
  const tests = Object.entries(attribution.firstBad);
  return attribution.patches.map((patch) => ({
    patch,
    firstBreaks: tests.filter(([, index]) => index === patch.index).map(([test]) => test).sort(),
  }));
}

/** What the attribution says of a patch that brings no regression. */
export const CHANGES_NOTHING = 'changes nothing';

/** The prefixes run, as the report lists them: `base, 1/3, 3/3`. */
export function runsLine(attribution: SeriesAttribution): string {
  const n = attribution.patches.length;
  return [...attribution.runs]
    .sort((a, b) => a.prefix - b.prefix)
    .map((run) => (run.prefix === 0 ? 'base' : `${run.prefix}/${n}${run.tests === 'all' ? '' : ` (${run.tests.length} test${run.tests.length === 1 ? '' : 's'})`}`))
    .join(', ');
}
