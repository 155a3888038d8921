// primeci merge DIR... --results OUT: join the results of shards (or of any
// runs of disjoint tests) into one results folder with one results.json.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { readResults } from '../../reporters/results-reader.ts';
import { timeAttribute, type TestrunResult } from '../results/igt.ts';
import { makeFolder } from '../folders.ts';
import { writeMetadata } from '../results/layout.ts';
import { testRecord, totalsOf, runtimesOf, writeResults } from '../results/resultgen.ts';
import { parse } from '../options.ts';
import { UsageError } from '../usage.ts';

export function mergeResults(parts: TestrunResult[], sources: string[]): TestrunResult {
  const tests = testRecord();
  parts.forEach((part, i) => {
    for (const [name, test] of Object.entries(part.tests)) {
      if (Object.hasOwn(tests, name)) throw new UsageError(`merge: ${name} is in more than one input (again in ${sources[i]}): shards must not overlap`);
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
  if (values.results.trim() === '') throw new UsageError('merge --results "": expected a folder');
  const out = resolve(values.results);
  if (existsSync(out) && (!statSync(out).isDirectory() || readdirSync(out).length > 0)) throw new UsageError(`merge: ${out} is not an empty folder`);
  const parts = await Promise.all(positionals.map((p) => readResults(p)));
  const merged = mergeResults(parts, positionals);
  makeFolder(out, `merge --results ${values.results}`);
  writeMetadata(out, merged.metadata ?? {});
  writeResults(out, merged);
  process.stdout.write(`merged ${Object.keys(merged.tests).length} tests from ${parts.length} runs into ${out}\n`);
  return 0;
}
