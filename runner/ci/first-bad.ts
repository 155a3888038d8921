// Which patch of a series brings each regression: a binary search over the
// series' prefixes (prefix 0 is the base, prefix n the whole series), like
// `git bisect` run once for every regressed test, sharing its probes.

/**
 * Runs prefix k (0 < k < n) on the given tests and says which of them
 * regressed against the base. Called at most once per prefix, always with
 * every regressed test, so one probe answers every later question about it.
 */
export type ProbePrefix = (prefix: number, tests: readonly string[]) => Promise<ReadonlySet<string>>;

/**
 * For a series of `n` patches and the tests that regressed on the whole
 * series: test → k, the first patch (1..n) whose prefix shows the
 * regression while prefix k-1 does not. Each search keeps "prefix lo is
 * good, prefix hi is bad" from (0, n); a test that breaks, recovers and
 * breaks again gets one such k, not necessarily the earliest.
 */
export async function firstBadPatches(n: number, regressed: readonly string[], probe: ProbePrefix): Promise<Map<string, number>> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`a series has at least one patch, not ${n}`);
  const tests = [...new Set(regressed)].sort();
  const probed = new Map<number, ReadonlySet<string>>();
  const regressedAt = async (prefix: number, test: string): Promise<boolean> => {
    let answer = probed.get(prefix);
    if (!answer) {
      answer = await probe(prefix, tests);
      probed.set(prefix, answer);
    }
    return answer.has(test);
  };
  const firstBad = new Map<string, number>();
  for (const test of tests) {
    let good = 0;
    let bad = n;
    while (bad - good > 1) {
      const mid = Math.floor((good + bad) / 2);
      if (await regressedAt(mid, test)) bad = mid;
      else good = mid;
    }
    firstBad.set(test, bad);
  }
  return firstBad;
}
