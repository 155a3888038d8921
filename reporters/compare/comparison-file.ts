// Reading back a comparison saved with `compare --format json` (or by
// `primeci ci` in its results root), so that `primeci patchwork` can report it
// without the results directories.
import { z } from 'zod';
import { STATUSES } from '../../runner/results/igt.ts';
import { describeIssues, ReportInputError } from '../errors.ts';
import type { Comparison } from './comparison.ts';

const resultRef = z.object({ status: z.enum(STATUSES), url: z.string(), bugs: z.array(z.string()) });
const buildInfo = z.object({ build: z.string(), hosts: z.array(z.string()), uname: z.string() });

// Patch k sits at index k-1; first bad patches and runs name patches of the series.
const attribution = z
  .object({
    patches: z.array(z.object({ index: z.number().int().positive(), subject: z.string(), build: z.string() })).min(1),
    firstBad: z.record(z.string(), z.number().int().positive()),
    runs: z.array(
      z.object({ prefix: z.number().int().nonnegative(), results: z.string(), tests: z.union([z.literal('all'), z.array(z.string())]) }),
    ),
  })
  .superRefine((a, ctx) => {
    const n = a.patches.length;
    a.patches.forEach((p, i) => {
      if (p.index !== i + 1) ctx.addIssue({ code: 'custom', path: ['patches', i, 'index'], message: `expected ${i + 1}` });
    });
    for (const [test, index] of Object.entries(a.firstBad)) {
      if (index > n) ctx.addIssue({ code: 'custom', path: ['firstBad', test], message: `the series has ${n} patches` });
    }
    a.runs.forEach((run, i) => {
      if (run.prefix > n) ctx.addIssue({ code: 'custom', path: ['runs', i, 'prefix'], message: `the series has ${n} patches` });
    });
  });

const comparisonSchema = z.object({
  __type__: z.literal('primeci.Comparison'),
  base: buildInfo,
  patch: buildInfo,
  verdict: z.enum(['SUCCESS', 'WARNING', 'FAILURE']),
  changes: z.array(
    z.object({
      test: z.string(),
      host: z.string(),
      kind: z.enum(['regression', 'fix', 'warning']),
      before: z.array(resultRef),
      after: z.array(resultRef),
      known: z.boolean(),
      suppressed: z.boolean(),
      newTest: z.boolean(),
    }),
  ),
  newTests: z.array(
    z.object({ test: z.string(), statuses: z.partialRecord(z.enum(STATUSES), z.number()), times: z.array(z.number()) }),
  ),
  bugs: z.record(z.string(), z.string()),
  series: z.object({ name: z.string(), url: z.string().optional() }).optional(),
  externalUrl: z.string().optional(),
  attribution: attribution.optional(),
}) satisfies z.ZodType<Comparison>;

/** True for JSON that says it is a comparison (then it must be a valid one). */
export function isComparisonJson(json: unknown): boolean {
  return (json as { __type__?: unknown } | null)?.__type__ === 'primeci.Comparison';
}

export function parseComparison(json: unknown, file: string): Comparison {
  const parsed = comparisonSchema.safeParse(json);
  if (!parsed.success) throw new ReportInputError(`${file}: not a primeci comparison:\n${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}
