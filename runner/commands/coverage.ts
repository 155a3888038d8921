// primeci coverage: write docs/coverage.md, one row per IGT subtest primeci
// mirrors (or should), with the simulator's verdicts from a run on the
// mainline profile - a fresh one, or a results folder given with --results.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readResults } from '../../reporters/results-reader.ts';
import { IGT_CATALOGUE } from '../coverage/catalogue.ts';
import { renderCoverage } from '../coverage/markdown.ts';
import { coverage as coverageRows } from '../coverage/rows.ts';
import { parse } from '../options.ts';
import { loadSuites, SUITES_DIR } from '../scenario/load.ts';
import { UsageError } from '../usage.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEFAULT_OUTPUT = join(ROOT, 'docs/coverage.md');
/** The profile whose verdicts the table reports. */
const BUILD = 'mainline';

const OPTIONS = {
  results: { type: 'string' },
  output: { type: 'string', short: 'o' },
  check: { type: 'boolean' },
} as const;

const USAGE = `usage: primeci coverage [--results DIR] [-o FILE] [--check]
  --results DIR  take the verdicts from this run (on the ${BUILD} profile) instead of running the suites
  -o FILE        where to write (default docs/coverage.md)
  --check        write nothing; exit 1 if FILE differs from what would be written`;

export default async function coverage(argv: string[]): Promise<number> {
  const { values, positionals } = parse('coverage', argv, OPTIONS);
  if (positionals.length > 0) throw new UsageError(`primeci coverage: unexpected argument '${positionals[0]}'\n${USAGE}`);
  const output = values.output ?? DEFAULT_OUTPUT;
  const files = IGT_CATALOGUE.map((b) => join(SUITES_DIR, `${b.binary}.yaml`)).filter((f) => existsSync(f));
  const loaded = loadSuites(files);
  for (const e of loaded.errors) process.stderr.write(e.message + '\n');
  const results = await readResults(values.results ?? (await runSuites(loaded.suites.map((s) => join(SUITES_DIR, `${s.name}.yaml`)))));
  const build = results.metadata?.build;
  if (build !== undefined && build !== BUILD) {
    throw new UsageError(`primeci coverage: ${values.results} holds a run on '${build}'; the table reports ${BUILD}`);
  }
  const text = renderCoverage(coverageRows(IGT_CATALOGUE, loaded.suites, results), { build: BUILD });
  if (values.check) {
    const current = existsSync(output) ? readFileSync(output, 'utf8') : '';
    if (current === text) return loaded.errors.length > 0 ? 2 : 0;
    process.stderr.write(`${output} is stale: regenerate it with primeci coverage\n`);
    return 1;
  }
  writeFileSync(output, text);
  process.stdout.write(`wrote ${output}\n`);
  return loaded.errors.length > 0 ? 2 : 0;
}

/** Run the mirrored suites on the simulator's mainline profile in a child runner; returns its results folder. */
async function runSuites(files: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'primeci-coverage-'));
  const results = join(dir, 'run');
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  await promisify(execFile)(process.execPath, [join(ROOT, 'bin/primeci.js'), 'run', '--profile', BUILD, '--results', results, ...files], {
    cwd: ROOT,
    maxBuffer: 64 << 20,
  }).catch((e: { code?: number; stderr?: string }) => {
    // 1: some test did not pass, which the table reports; anything else is the runner failing.
    if (e.code !== 1) throw new Error(`primeci run for coverage failed (exit ${String(e.code)}): ${e.stderr ?? ''}`);
  });
  return results;
}
