// Patchwork's view of a checked series, one state per patch: the patches
// before the first bad one pass, the first bad one and every later patch
// (which carries it) fail.
import { patchRows } from '../compare/attribution.ts';
import type { Comparison } from '../compare/comparison.ts';
import { ReportInputError } from '../errors.ts';

export interface PatchState {
  /** 1-based, [PATCH index/n]. */
  index: number;
  state: 'success' | 'fail';
  description: string;
}

/** Regressions that make the verdict FAILURE: unknown and not suppressed. */
function failingTests(c: Comparison): Set<string> {
  return new Set(c.changes.filter((x) => x.kind === 'regression' && !x.known && !x.suppressed).map((x) => x.test));
}

/** The index of the first patch that brings a regression failing the series, if any. */
export function firstBadPatch(c: Comparison): number | undefined {
  const failing = failingTests(c);
  const indexes = Object.entries(c.attribution?.firstBad ?? {})
    .filter(([test]) => failing.has(test))
    .map(([, index]) => index);
  return indexes.length ? Math.min(...indexes) : undefined;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function perPatchStates(c: Comparison): PatchState[] {
  const a = c.attribution;
  if (!a) throw new ReportInputError(`the comparison ${c.base.build} -> ${c.patch.build} is not a series check: it has no per-patch attribution`);
  const n = a.patches.length;
  const firstBad = firstBadPatch(c);
  const failing = failingTests(c);
  return patchRows(a).map(({ patch, firstBreaks }) => {
    const breaks = firstBreaks.filter((test) => failing.has(test));
    const brings = breaks.length ? `first breaks ${plural(breaks.length, 'test')}: ${breaks.join(', ')}` : undefined;
    if (firstBad === undefined || patch.index < firstBad) {
      return { index: patch.index, state: 'success', description: `[PATCH ${patch.index}/${n}] brings no unknown regression` };
    }
    const description =
      patch.index === firstBad
        ? `[PATCH ${patch.index}/${n}] is the first bad patch: ${brings}`
        : `[PATCH ${patch.index}/${n}] comes after the first bad patch ${firstBad}/${n}${brings ? `; it ${brings}` : ''}`;
    return { index: patch.index, state: 'fail', description };
  });
}
