// primeci run: plan jobs, execute them on a backend into results/<run>/,
// generate results.json, write reports, summarise. `--resume DIR` continues a
// run that was killed, from its folder alone.
import { existsSync, mkdtempSync, readdirSync, renameSync, rmdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { formatConsoleSummary } from '../../reporters/console.ts';
import { writeReports } from '../../reporters/index.ts';
import { loadBackend } from '../backends.ts';
import { execute, type PlannedJob } from '../execute.ts';
import { LOG_FILE, createRunLogger } from '../logger.ts';
import { createProgress, wantsLiveProgress } from '../progress.ts';
import { generateResults, writeResults } from '../results/resultgen.ts';
import type { Status } from '../results/igt.ts';
import { FILES, ensureDir, readJoblist, writeJoblist, writeMetadata } from '../results/layout.ts';
import { runState } from '../resume.ts';
import { selectTests } from '../select.ts';
import { parseRunCommand, writeSettings, type RunSettings } from '../settings.ts';
import { UsageError } from '../usage.ts';
import { PRIMECI_VERSION } from '../version.ts';

/** Statuses that make a run (and the CLI) fail. */
const FAILING: ReadonlySet<Status> = new Set(['fail', 'crash', 'timeout', 'incomplete', 'abort', 'dmesg-warn', 'dmesg-fail', 'warn']);

export default async function run(argv: string[]): Promise<number> {
  const command = parseRunCommand(argv);
  const { settings, dir } = command;
  const backend = await loadBackend(settings.backend);
  if (settings.backend === 'sim') await checkBuild(settings.build);
  const { jobs, errors } = selectTests(settings.suites, settings);
  for (const e of errors) process.stderr.write(e.message + '\n');
  if (command.resume && errors.length > 0) throw new UsageError(`--resume ${dir}: the run's suites no longer load`);
  if (jobs.length === 0) {
    process.stderr.write('primeci run: no tests selected\n');
    return errors.length > 0 ? 2 : 0;
  }
  const names = jobs.map((j) => j.name);
  if (command.resume) checkSameJobs(dir, names);
  else startRun(dir, settings, names, backend.name, argv);

  const log = createRunLogger(dir, command.verbose);
  const state = runState(dir, jobs.length);
  const pending: PlannedJob[] = state.pending.map((index) => ({ index, job: jobs[index] }));
  log.info({ event: 'run-start', dir, jobs: jobs.length, pending: pending.length, resumed: command.resume, interrupted: state.interrupted.map((i) => names[i]) }, 'run start');
  const live = wantsLiveProgress(process.stdout, process.env);
  const progress = createProgress(pending.length, live, (text) => process.stdout.write(text));
  const outcome = await execute({ dir, settings, pending, joblist: names, log, progress });
  progress.finish();

  writeFileSync(join(dir, FILES.endtime), `${Date.now() / 1000}\n`);
  const results = generateResults(dir, settings.dmesg);
  writeResults(dir, results);
  await writeReports(results, settings.reporters, dir);
  log.info({ event: 'run-end', totals: results.totals.root, ...outcome }, 'run end');

  process.stdout.write('\n' + formatConsoleSummary(results) + '\n');
  if (outcome.overallTimeout) process.stdout.write(`Overall timeout of ${settings.overallTimeout}s reached: jobs not started are notrun.\n`);
  if (outcome.aborted) process.stdout.write(`Run aborted: ${outcome.aborted}\n`);
  process.stdout.write(`Results: ${join(dir, FILES.results)}\n`);
  const failed = outcome.aborted !== undefined || outcome.overallTimeout === true || Object.values(results.tests).some((t) => FAILING.has(t.result));
  if (failed) process.stdout.write(`A complete log of this run can be found in: ${relative(process.cwd(), join(dir, LOG_FILE))}\n`);
  if (errors.length > 0) return 2;
  return failed ? 1 : 0;
}

async function checkBuild(build: string): Promise<void> {
  const { parseBuild } = await import('../../backends/sim/index.ts');
  const parsed = parseBuild(build);
  if (!parsed.ok) throw new UsageError(`--profile ${build}: ${parsed.error}`);
}

/** Creates the run folder whole or not at all (built aside, then renamed into
 * place), so a runner killed while starting leaves nothing half-made to resume. */
function startRun(dir: string, settings: RunSettings, names: string[], backend: string, argv: string[]): void {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new UsageError(`${dir} already holds a run: resume it with --resume ${dir}, or choose another --results`);
  }
  ensureDir(dirname(dir));
  const staging = mkdtempSync(`${dir}.starting-`);
  writeMetadata(staging, {
    name: basename(dir),
    build: settings.build,
    backend,
    host: `${backend}-${hostname()}`,
    seed: String(settings.seed),
    'primeci-version': PRIMECI_VERSION,
    cmdline: JSON.stringify(['primeci', 'run', ...argv]),
  });
  writeJoblist(staging, names);
  writeFileSync(join(staging, FILES.uname), `primeci ${backend} ${settings.build}\n`);
  writeFileSync(join(staging, FILES.starttime), `${Date.now() / 1000}\n`);
  writeSettings(staging, settings);
  if (existsSync(dir)) rmdirSync(dir);
  renameSync(staging, dir);
}

function checkSameJobs(dir: string, names: string[]): void {
  const recorded = readJoblist(dir);
  if (recorded.length !== names.length || recorded.some((n, i) => n !== names[i])) {
    throw new UsageError(`--resume ${dir}: the suites changed since the run started (its job list no longer matches)`);
  }
}
