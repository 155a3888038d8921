// The first bad patch of each regression, with fake runs: which prefixes run,
// how often, and with which tests.
import t from 'tap';
import { firstBadPatches } from '../../runner/ci/first-bad.ts';

/**
 * A fake series: `breaks[test]` is the patch from which the test fails (the
 * regression stays until the end unless `fixedAt` says otherwise). Records
 * every probe.
 */
function fakeSeries(breaks: Record<string, number>, fixedAt: Record<string, number> = {}) {
  const probes: { prefix: number; tests: string[] }[] = [];
  const probe = async (prefix: number, tests: readonly string[]) => {
    probes.push({ prefix, tests: [...tests] });
    const bad = tests.filter((test) => breaks[test]! <= prefix && !(fixedAt[test]! <= prefix));
    return new Set(bad);
  };
  return { probe, probes };
}

t.test('monotone regressions: each gets the patch that brings it, each prefix runs once with every regressed test', async (t) => {
  const breaks = { 'igt@a@one': 2, 'igt@b@two': 5, 'igt@c@three': 5, 'igt@d@four': 8 };
  const { probe, probes } = fakeSeries(breaks);
  const firstBad = await firstBadPatches(8, Object.keys(breaks), probe);
  t.same(Object.fromEntries(firstBad), breaks);
  const prefixes = probes.map((p) => p.prefix);
  t.same(prefixes, [...new Set(prefixes)], 'no prefix is probed twice');
  t.ok(prefixes.every((k) => k > 0 && k < 8), 'the base and the whole series are never probed: their results are known');
  for (const p of probes) t.same(p.tests, Object.keys(breaks).sort(), `prefix ${p.prefix} runs exactly the regressed tests`);
  t.ok(probes.length < 7, `${probes.length} probes, fewer than a linear walk over 7 prefixes`);
});

t.test('a regression only the last patch brings', async (t) => {
  const { probe, probes } = fakeSeries({ 'igt@prime_vgem@sync@rcs0': 4 });
  const firstBad = await firstBadPatches(4, ['igt@prime_vgem@sync@rcs0'], probe);
  t.same(Object.fromEntries(firstBad), { 'igt@prime_vgem@sync@rcs0': 4 });
  t.same(probes.map((p) => p.prefix), [2, 3], 'binary search: 2 probes for 3 inner prefixes');
});

t.test('a regression the first patch brings', async (t) => {
  const { probe, probes } = fakeSeries({ 'igt@x@y': 1 });
  t.same(Object.fromEntries(await firstBadPatches(5, ['igt@x@y'], probe)), { 'igt@x@y': 1 });
  t.same(probes.map((p) => p.prefix), [2, 1]);
});

t.test('one patch, or no regression: nothing to probe', async (t) => {
  const { probe, probes } = fakeSeries({ 'igt@x@y': 1 });
  t.same(Object.fromEntries(await firstBadPatches(1, ['igt@x@y'], probe)), { 'igt@x@y': 1 });
  t.same(Object.fromEntries(await firstBadPatches(6, [], probe)), {});
  t.same(probes, []);
});

t.test('later searches reuse earlier probes', async (t) => {
  // Both break at 3 of 3: the second test's search is answered by the first's probes.
  const { probe, probes } = fakeSeries({ 'igt@a@x': 3, 'igt@b@x': 3 });
  t.same(Object.fromEntries(await firstBadPatches(3, ['igt@b@x', 'igt@a@x', 'igt@a@x'], probe)), { 'igt@a@x': 3, 'igt@b@x': 3 });
  t.same(probes, [
    { prefix: 1, tests: ['igt@a@x', 'igt@b@x'] },
    { prefix: 2, tests: ['igt@a@x', 'igt@b@x'] },
  ]);
});

t.test('a regression that comes, goes and comes back gets a patch where it appears', async (t) => {
  // Bad from 2, fixed at 4, broken again by 6 (as seen from prefix 8).
  const probe = async (prefix: number) => new Set((prefix >= 2 && prefix < 4) || prefix >= 6 ? ['igt@a@x'] : []);
  const k = (await firstBadPatches(8, ['igt@a@x'], probe)).get('igt@a@x')!;
  t.ok(!(await probe(k - 1)).has('igt@a@x') && (await probe(k)).has('igt@a@x'), `patch ${k}: prefix ${k - 1} good, prefix ${k} bad`);
});

t.test('a series has at least one patch', async (t) => {
  await t.rejects(firstBadPatches(0, ['igt@a@x'], async () => new Set()), RangeError);
});
