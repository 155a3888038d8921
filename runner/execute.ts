// Executing jobs into a results folder (igt_runner's executor stage). The
// folder is the state: each job's start and end are appended to its journal
// before anything else happens, so a run killed at any moment can be resumed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Job } from './job.ts';
import { monitoredError } from './monitor.ts';
import { WorkerPool, type JobEnd } from './pool.ts';
import type { Progress } from './progress.ts';
import { jobResult, readJobFiles } from './results/resultgen.ts';
import { FILES, appendLine, ensureDir, jobDir } from './results/layout.ts';
import type { RunSettings } from './settings.ts';

export interface PlannedJob {
  /** Position in joblist.txt, which names the job's folder. */
  index: number;
  job: Job;
}

export interface ExecuteContext {
  dir: string;
  settings: RunSettings;
  pending: PlannedJob[];
  /** Every job of the run, in joblist order (for aborted.txt's "Next test"). */
  joblist: string[];
  log: Logger;
  progress: Progress;
}

export interface ExecuteOutcome {
  /** Set when --abort-on-monitored-error stopped the run. */
  aborted?: string;
  /** Set when --overall-timeout stopped new jobs from starting. */
  overallTimeout?: boolean;
}

/** Exit codes a test binary would have ended with (igt_core.h), as the journal records them. */
const EXIT_CODES = { pass: 0, skip: 77, fail: 98, crash: 134 } as const;
const EXIT_INVALID = 79;
const SIGNALS: Record<string, number> = { SIGQUIT: 3, SIGABRT: 6, SIGBUS: 7, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15 };

export async function execute(ctx: ExecuteContext): Promise<ExecuteOutcome> {
  const { settings } = ctx;
  const queue = [...ctx.pending];
  const outcome: ExecuteOutcome = {};
  const deadline = settings.overallTimeout > 0 ? performance.now() + settings.overallTimeout * 1000 : Infinity;
  const mayStart = () => {
    if (outcome.aborted) return false;
    if (performance.now() >= deadline) {
      if (!outcome.overallTimeout) ctx.log.warn({ overallTimeout: settings.overallTimeout }, 'overall timeout reached; no new jobs start');
      outcome.overallTimeout = true;
      return false;
    }
    return true;
  };
  const pool = new WorkerPool(Math.max(1, Math.min(settings.workers, queue.length)));
  const lane = async () => {
    for (let next = queue.shift(); next && mayStart(); next = queue.shift()) {
      const reason = await runOne(pool, ctx, next);
      if (reason && !outcome.aborted) {
        outcome.aborted = reason;
        writeAborted(ctx, next.index, reason);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: settings.workers }, lane));
  } finally {
    pool.close();
  }
  return outcome;
}

/** Runs one job; returns why the run must abort, if the kernel is no longer fit. */
async function runOne(pool: WorkerPool, ctx: ExecuteContext, { index, job }: PlannedJob): Promise<string | undefined> {
  const { settings, log } = ctx;
  const dir = jobDir(ctx.dir, index);
  let started = 0;
  const end = await pool.run(
    { job: { file: job.suite.file, name: job.name }, dir, backend: settings.backend, session: { build: settings.build, seed: settings.seed } },
    {
      start() {
        ensureDir(dir);
        appendLine(dir, FILES.journal, job.name);
        log.info({ event: 'job-start', job: job.name, index }, `start ${job.name}`);
        started = performance.now();
      },
      stray(line) {
        appendLine(dir, FILES.err, line);
      },
    },
    settings.perTestTimeout,
  );
  const seconds = (performance.now() - started) / 1000;
  recordEnd(dir, end, seconds);
  const status = jobResult(job.name, readJobFiles(dir), settings.dmesg).result;
  log.info({ event: 'job-end', job: job.name, index, status, end: end.kind, seconds }, `end ${job.name}: ${status}`);
  ctx.progress.ended(job.name, status, seconds);
  return end.kind === 'done' ? monitoredError(end.kmsg, settings.abortOn) : undefined;
}

/** The journal's last word on a job, and what the runner itself saw. */
function recordEnd(dir: string, end: JobEnd, seconds: number): void {
  const time = `(${seconds.toFixed(3)}s)`;
  switch (end.kind) {
    case 'done':
      // A hung (simulated) machine leaves no exit line, as on real hardware.
      if (end.verdict !== 'incomplete') appendLine(dir, FILES.journal, `exit:${EXIT_CODES[end.verdict]} ${time}`);
      return;
    case 'crashed':
      appendLine(dir, FILES.err, `primeci: worker process died during the test (signal ${end.signal ?? 'none'}, exit code ${end.exitCode ?? 'none'})`);
      appendLine(dir, FILES.journal, `exit:${end.signal ? 128 + (SIGNALS[end.signal] ?? 0) : (end.exitCode ?? 1)} ${time}`);
      return;
    case 'timeout':
      appendLine(dir, FILES.err, `primeci: per-test timeout of ${end.seconds}s exceeded; the worker was killed`);
      appendLine(dir, FILES.journal, `timeout:${128 + SIGNALS.SIGKILL} ${time}`);
      return;
    case 'error':
      appendLine(dir, FILES.err, `primeci: the job could not be run: ${end.message}`);
      appendLine(dir, FILES.journal, `exit:${EXIT_INVALID} ${time}`);
  }
}

/** igt_runner's aborted.txt: what ran last, what would have run next, and why. */
function writeAborted(ctx: ExecuteContext, index: number, reason: string): void {
  const next = ctx.joblist[index + 1] ?? 'nothing';
  const text = `Aborting.\nPrevious test: ${ctx.joblist[index]}\nNext test: ${next}\n\n${reason}\n`;
  writeFileSync(join(ctx.dir, FILES.aborted), text);
  ctx.log.error({ event: 'abort', after: ctx.joblist[index], reason }, 'run aborted');
}
