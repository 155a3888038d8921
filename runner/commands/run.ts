// primeci run: plan jobs, execute them on a backend into results/<run>/,
// generate results.json, write reports, summarise. `--resume DIR` continues a
// run that was killed, from its folder alone.
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { formatConsoleSummary } from '../../reporters/console.ts';
import { ReportInputError } from '../../reporters/errors.ts';
import { getReporter, parseReporterSpec, writeReports } from '../../reporters/index.ts';
import { loadBackend } from '../backends.ts';
import { execute, type PlannedJob } from '../execute.ts';
import { LOG_FILE, createRunLogger } from '../logger.ts';
import { createProgress, wantsLiveProgress } from '../progress.ts';
import { generateResults, writeResults } from '../results/resultgen.ts';
import type { Status } from '../results/igt.ts';
import { makeFolder } from '../folders.ts';
import type { Job } from '../job.ts';
import { FILES, writeJoblist, writeMetadata } from '../results/layout.ts';
import { lockRun, unlockRun } from '../run-lock.ts';
import { checkResumable, runState } from '../resume.ts';
import { selectTests } from '../select.ts';
import { parseRunCommand, writeSettings, type RunCommand, type RunSettings } from '../settings.ts';
import { UsageError } from '../usage.ts';
import { PRIMECI_VERSION } from '../version.ts';

/** Statuses that make a run (and the CLI) fail. */
const FAILING: ReadonlySet<Status> = new Set(['fail', 'crash', 'timeout', 'incomplete', 'abort', 'dmesg-warn', 'dmesg-fail', 'warn']);

export default async function run(argv: string[]): Promise<number> {
  const command = parseRunCommand(argv);
  const { settings, dir } = command;
  const backend = await loadBackend(settings.backend);
  if (settings.backend === 'sim') await checkBuild(command);
  await checkReporters(command);
  const { jobs, errors } = selectTests(settings.suites, settings);
  // A suite that does not load had no jobs when the run started either, so a
  // resume goes on without it (the job list check below catches real changes).
  for (const e of errors) process.stderr.write(e.message + '\n');
  if (jobs.length === 0) {
    process.stderr.write('primeci run: no tests selected\n');
    return errors.length > 0 ? 2 : 0;
  }
  const names = jobs.map((j) => j.name);
  if (command.resume) lockRun(dir);
  else startRun(dir, settings, names, backend.name, argv, command.origin('results'));
  try {
    if (command.resume) checkResumable(dir, names);
    return await runLocked(command, jobs, errors.length > 0);
  } finally {
    unlockRun(dir);
  }
}

async function runLocked(command: RunCommand, jobs: Job[], brokenSuites: boolean): Promise<number> {
  const { settings, dir } = command;
  const names = jobs.map((j) => j.name);
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
  if (brokenSuites) return 2;
  return failed ? 1 : 0;
}

async function checkBuild(command: RunCommand): Promise<void> {
  const { parseBuild } = await import('../../backends/sim/index.ts');
  const build = command.settings.build;
  const parsed = parseBuild(build);
  if (!parsed.ok) throw new UsageError(`${command.origin('profile')} ${build}: ${parsed.error}`);
}

/** Every reporter is known, and its file can be written, before any job runs. */
async function checkReporters(command: RunCommand): Promise<void> {
  for (const spec of command.settings.reporters) {
    const blame = `${command.origin('reporters', spec)} ${spec}`;
    const { name, file } = parseReporterSpec(spec);
    try {
      await getReporter(name);
    } catch (e) {
      if (e instanceof ReportInputError) throw new UsageError(`${blame}: ${e.message}`);
      throw e;
    }
    if (file !== undefined) makeFolder(dirname(resolve(file)), blame);
  }
}

/** Creates the run folder whole or not at all (built aside, then renamed into
 * place), so a runner killed while starting leaves nothing half-made to resume. */
function startRun(dir: string, settings: RunSettings, names: string[], backend: string, argv: string[], blame: string): void {
  if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0)) throw alreadyUsed(dir);
  makeFolder(dirname(dir), `${blame} ${dir}`);
  const staging = mkdtempSync(`${dir}.starting-`);
  try {
    fillRunFolder(staging, dir, settings, names, backend, argv);
    // The lock is taken before the folder appears, so the run holds it from the start.
    lockRun(staging);
    if (existsSync(dir)) rmdirSync(dir);
    renameSync(staging, dir);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    // Another run made the folder (or filled it) meanwhile: it won the race.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') throw alreadyUsed(dir);
    throw e;
  }
}

function alreadyUsed(dir: string): UsageError {
  return new UsageError(`${dir} already holds a run: resume it with --resume ${dir}, or choose another --results`);
}

/** A run folder's files before any job: metadata, joblist, uname, start time, settings. */
export function fillRunFolder(staging: string, dir: string, settings: RunSettings, names: string[], backend: string, argv: string[]): void {
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
}
