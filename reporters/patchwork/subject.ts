// `primeci patchwork DIR_OR_COMPARISON`: a results directory or results.json
// reports one run; a `compare --format json` file or a series check's results
// root reports the comparison.
import { readFile, stat } from 'node:fs/promises';
import { readCiRoot } from '../compare/ci-root.ts';
import { isComparisonJson, parseComparison } from '../compare/comparison-file.ts';
import { readResults } from '../results-reader.ts';
import type { Subject } from './payload.ts';

export async function readSubject(path: string): Promise<Subject> {
  const isFile = await stat(path).then((s) => s.isFile(), () => false);
  if (isFile) {
    const json = await readFile(path, 'utf8').then(
      (text) => JSON.parse(text) as unknown,
      () => undefined,
    );
    if (isComparisonJson(json)) return { comparison: parseComparison(json, path) };
  }
  const root = await readCiRoot(path);
  if (root) return { comparison: root.comparison };
  return { run: await readResults(path) };
}
