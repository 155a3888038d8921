// Executing a job list into a results directory (igt_runner's executor stage).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionOptions } from '../backends/backend.ts';
import type { Job } from './job.ts';
import { WorkerPool, type JobEnd } from './pool.ts';
import { generateResults, writeResults } from './results/resultgen.ts';
import type { DmesgRules } from './results/dmesg.ts';
import type { TestrunResult } from './results/igt.ts';
import { FILES, appendLine, ensureDir, formatKmsg, jobDir, writeJoblist, writeMetadata, type Metadata } from './results/layout.ts';

export interface ExecuteOptions {
  dir: string;
  jobs: Job[];
  backend: string;
  session: SessionOptions;
  workers: number;
  perTestTimeout?: number;
  dmesg: DmesgRules;
  metadata: Metadata;
  uname: string;
  /** Called as each job ends, in completion order. */
  onJobEnd?: (done: number, total: number, job: Job, end: JobEnd, seconds: number) => void;
}

/** Exit codes a test binary would have ended with (igt_core.h), as the journal records them. */
const EXIT_CODES = { pass: 0, skip: 77, fail: 98, crash: 134 } as const;
const EXIT_INVALID = 79;
const SIGNALS: Record<string, number> = { SIGKILL: 9, SIGSEGV: 11, SIGABRT: 6, SIGBUS: 7, SIGTERM: 15, SIGQUIT: 3 };

export async function execute(options: ExecuteOptions): Promise<TestrunResult> {
  const { dir, jobs } = options;
  ensureDir(dir);
  writeMetadata(dir, options.metadata);
  writeJoblist(dir, jobs.map((j) => j.name));
  writeFileSync(join(dir, FILES.uname), options.uname + '\n');
  writeFileSync(join(dir, FILES.starttime), `${Date.now() / 1000}\n`);
  const pool = new WorkerPool(Math.max(1, Math.min(options.workers, jobs.length)));
  let done = 0;
  try {
    await Promise.all(
      jobs.map(async (job, index) => {
        const end = await runOne(pool, options, job, jobDir(dir, index));
        options.onJobEnd?.(++done, jobs.length, job, end.end, end.seconds);
      }),
    );
  } finally {
    pool.close();
  }
  writeFileSync(join(dir, FILES.endtime), `${Date.now() / 1000}\n`);
  const results = generateResults(dir, options.dmesg);
  writeResults(dir, results);
  return results;
}

async function runOne(pool: WorkerPool, options: ExecuteOptions, job: Job, dir: string): Promise<{ end: JobEnd; seconds: number }> {
  let started = 0;
  const end = await pool.run(
    { job: { file: job.suite.file, name: job.name }, backend: options.backend, session: options.session },
    {
      // Written and flushed before the job runs: a folder whose journal has no exit
      // line is the job that was running when the runner died.
      start() {
        ensureDir(dir);
        appendLine(dir, FILES.journal, job.name);
        started = performance.now();
      },
      line(stream, line) {
        appendLine(dir, stream === 'out' ? FILES.out : FILES.err, line);
      },
    },
    options.perTestTimeout,
  );
  const seconds = (performance.now() - started) / 1000;
  recordEnd(dir, end, seconds);
  return { end, seconds };
}

/** The journal's last word on a job, and what the runner itself saw. */
function recordEnd(dir: string, end: JobEnd, seconds: number): void {
  const time = `(${seconds.toFixed(3)}s)`;
  switch (end.kind) {
    case 'done':
      if (end.kmsg.length > 0) appendLine(dir, FILES.dmesg, end.kmsg.map(formatKmsg).join('\n'));
      // A hung (simulated) machine leaves no exit line, as on real hardware.
      if (end.verdict !== 'incomplete') appendLine(dir, FILES.journal, `exit:${EXIT_CODES[end.verdict]} ${time}`);
      return;
    case 'crashed': {
      const signal = end.signal ?? 'none';
      appendLine(dir, FILES.err, `primeci: worker process died during the test (signal ${signal}, exit code ${end.exitCode ?? 'none'})`);
      appendLine(dir, FILES.journal, `exit:${end.signal ? 128 + (SIGNALS[end.signal] ?? 0) : end.exitCode ?? 1} ${time}`);
      return;
    }
    case 'timeout':
      appendLine(dir, FILES.err, `primeci: per-test timeout of ${end.seconds}s exceeded; the worker was killed`);
      appendLine(dir, FILES.journal, `timeout:137 ${time}`);
      return;
    case 'error':
      appendLine(dir, FILES.err, `primeci: the job could not be run: ${end.message}`);
      appendLine(dir, FILES.journal, `exit:${EXIT_INVALID} ${time}`);
  }
}
