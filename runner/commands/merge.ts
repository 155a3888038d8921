// primeci merge DIR... --results OUT: join the results of shards (or of any
// runs of disjoint tests) into one results folder with one results.json.
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { readResults } from '../../reporters/results-reader.ts';
import { timeAttribute, type TestResult, type TestrunResult } from '../results/igt.ts';
import { ensureDir, writeMetadata } from '../results/layout.ts';
import { totalsOf, runtimesOf, writeResults } from '../results/resultgen.ts';
import { parse } from '../options.ts';
import { UsageError } from '../usage.ts';

export function mergeResults(parts: TestrunResult[], sources: string[]): TestrunResult {
  const tests: Record<string, TestResult> = {};
  parts.forEach((part, i) => {
    for (const [name, test] of Object.entries(part.tests)) {
      if (name in tests) throw new UsageError(`merge: ${name} is in more than one input (again in ${sources[i]}): shards must not overlap`);
      tests[name] = test;
    }
  });
  const first = parts[0];
  return {
    ...first,
    name: `${first.name} (merged)`,
    time_elapsed: timeAttribute(Math.min(...parts.map((p) => p.time_elapsed.start)), Math.max(...parts.map((p) => p.time_elapsed.end))),
    tests,
    totals: totalsOf(tests),
    runtimes: runtimesOf(tests),
    metadata: { ...first.metadata, 'merged-from': sources.join(' ') },
  };
}

export default async function merge(argv: string[]): Promise<number> {
  const { values, positionals } = parse('merge', argv, { results: { type: 'string' } });
  if (positionals.length === 0 || values.results === undefined) {
    throw new UsageError('usage: primeci merge DIR... --results OUT');
  }
  const out = resolve(values.results);
  if (existsSync(out) && readdirSync(out).length > 0) throw new UsageError(`merge: ${out} is not empty`);
  const parts = await Promise.all(positionals.map((p) => readResults(p)));
  const merged = mergeResults(parts, positionals);
  ensureDir(out);
  writeMetadata(out, merged.metadata ?? {});
  writeResults(out, merged);
  process.stdout.write(`merged ${Object.keys(merged.tests).length} tests from ${parts.length} runs into ${out}\n`);
  return 0;
}
