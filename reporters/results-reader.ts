// Reads a results directory (or a results.json file) written by primeci or by
// IGT's igt_runner into the one results model every reporter works on.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { STATUSES, type TestrunResult } from '../runner/results/igt.ts';
import { FILES, parseMetadata } from '../runner/results/layout.ts';
import { testRecord } from '../runner/results/resultgen.ts';
import { readCiRoot, seriesRunDir } from './compare/ci-root.ts';
import { describeIssues, ReportInputError } from './errors.ts';

/** Bad or unreadable results input; the message names the file. */
export class ResultsError extends ReportInputError {
  override name = 'ResultsError';
}

const timeAttribute = z.object({
  __type__: z.literal('TimeAttribute').default('TimeAttribute'),
  start: z.number(),
  end: z.number(),
});

const noTime = { __type__: 'TimeAttribute' as const, start: 0, end: 0 };

// igt_runner leaves out/err/dmesg/time away for tests that never ran.
const testResult = z.object({
  out: z.string().default(''),
  err: z.string().default(''),
  dmesg: z.string().default(''),
  'dmesg-warnings': z.string().optional(),
  result: z.enum(STATUSES),
  time: timeAttribute.default(noTime),
  'igt-version': z.string().optional(),
});

const totals = z.object(Object.fromEntries(STATUSES.map((s) => [s, z.number().int().nonnegative()])) as Record<
  (typeof STATUSES)[number],
  z.ZodNumber
>);

const testrunResult = z.object({
  __type__: z.literal('TestrunResult'),
  results_version: z.literal(10),
  name: z.string(),
  uname: z.string().default(''),
  cmdline: z.array(z.string()).optional(),
  time_elapsed: timeAttribute.default(noTime),
  // Checked one by one below: zod builds records as plain objects, where a
  // test named __proto__ would vanish into the prototype.
  tests: z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'expected an object of tests'),
  totals: z.record(z.string(), totals).default({}),
  runtimes: z.record(z.string(), z.object({ time: timeAttribute })).default({}),
  metadata: z.record(z.string(), z.string()).optional(),
});

/** A results directory's results.json; a series check's results root stands for its whole-series run. */
async function resultsJsonPath(path: string): Promise<string> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new ResultsError(`${path}: no such results directory or results.json file`);
  }
  if (!info.isDirectory()) return path;
  const file = join(path, FILES.results);
  if (existsSync(file)) return file;
  const root = await readCiRoot(path);
  return root ? join(seriesRunDir(root), FILES.results) : file;
}

async function readMetadataTxt(dir: string): Promise<Record<string, string> | undefined> {
  try {
    return parseMetadata(await readFile(join(dir, FILES.metadata), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Loads `results.json` from a results directory, or the given JSON file.
 * IGT's own results.json has no `metadata`: metadata.txt beside it is used.
 */
export async function readResults(path: string): Promise<TestrunResult> {
  const file = await resultsJsonPath(path);
  let text;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : String(error);
    throw new ResultsError(`${file}: cannot read results: ${reason}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ResultsError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  const parsed = testrunResult.safeParse(json);
  const notResults = (issues: readonly z.core.$ZodIssue[]) => new ResultsError(`${file}: not an IGT results.json (results_version 10):\n${describeIssues(issues)}`);
  if (!parsed.success) throw notResults(parsed.error.issues);
  const tests = testRecord();
  for (const [name, raw] of Object.entries(parsed.data.tests)) {
    const test = testResult.safeParse(raw);
    if (!test.success) throw notResults(test.error.issues.map((issue) => ({ ...issue, path: ['tests', name, ...issue.path] })));
    tests[name] = test.data;
  }
  const results: TestrunResult = { ...parsed.data, tests };
  results.metadata ??= await readMetadataTxt(dirname(file));
  return results;
}
