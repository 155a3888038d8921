// The results root of a series check (`primeci ci`): one results directory
// per prefix of the series it ran (base/, patch-K-of-N/), the comparison of
// the base with the whole series (comparison.json, which names those
// directories and holds the attribution) and its page (index.html). Every
// later command reads the root alone.
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ReportInputError } from '../errors.ts';
import { parseComparison } from './comparison-file.ts';
import type { Comparison, SeriesAttribution } from './comparison.ts';

export const ROOT_FILES = { comparison: 'comparison.json', page: 'index.html' } as const;

/** base/ for prefix 0, patch-K-of-N/ for the series up to and including patch K. */
export function prefixFolder(prefix: number, n: number): string {
  return prefix === 0 ? 'base' : `patch-${prefix}-of-${n}`;
}

export interface CiRoot {
  dir: string;
  comparison: Comparison & { attribution: SeriesAttribution };
}

/** The series check saved in `dir`, or undefined when `dir` is not a results root (no comparison.json in it). */
export async function readCiRoot(dir: string): Promise<CiRoot | undefined> {
  const isDir = await stat(dir).then((s) => s.isDirectory(), () => false);
  if (!isDir) return undefined;
  const file = join(dir, ROOT_FILES.comparison);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ReportInputError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  const comparison = parseComparison(json, file);
  const a = comparison.attribution;
  if (!a) throw new ReportInputError(`${file}: not a series check (no "attribution"); compare its results directories instead`);
  const n = a.patches.length;
  for (const prefix of [0, n]) {
    if (!a.runs.some((run) => run.prefix === prefix)) throw new ReportInputError(`${file}: no run of prefix ${prefix} (${prefixFolder(prefix, n)})`);
  }
  return { dir, comparison: { ...comparison, attribution: a } };
}

/** The results directory of one prefix the check ran. */
export function runDir(root: CiRoot, prefix: number): string {
  const run = root.comparison.attribution.runs.find((r) => r.prefix === prefix);
  if (!run) throw new ReportInputError(`${join(root.dir, ROOT_FILES.comparison)}: prefix ${prefix} was not run`);
  return resolve(root.dir, run.results);
}

/** The run of the whole series, what `primeci report ROOT` reports. */
export function seriesRunDir(root: CiRoot): string {
  return runDir(root, root.comparison.attribution.patches.length);
}
