// A worker process: runs jobs sent by the pool, one at a time, each on a fresh session.
import { Worker as Thread } from 'node:worker_threads';
import type { Backend, KmsgRecord, SessionOptions } from '../backends/backend.ts';
import { loadBackend } from './backends.ts';
import { executeJob, type JobVerdict } from './execute-job.ts';
import { suiteJobs, type Job, type JobRef } from './job.ts';
import { FILES, appendLine, formatKmsg } from './results/layout.ts';
import { loadSuite } from './scenario/load.ts';

export interface JobRequest {
  type: 'job';
  id: number;
  job: JobRef;
  /** The job's results folder: the worker appends its out.txt / err.txt there
   * synchronously, so a worker that dies or spins keeps what it printed. */
  dir: string;
  backend: string;
  session: SessionOptions;
}

export type WorkerMessage =
  /** The job's test begins now: the per-test timeout starts. */
  | { type: 'started'; id: number }
  | { type: 'done'; id: number; verdict: JobVerdict; kmsg: KmsgRecord[] }
  | { type: 'error'; id: number; message: string };

const jobs = new Map<string, Job>();

// A busy job (a long loop of steps, or one long op such as a 4 GiB
// gem_create) never yields to the event loop, so 'disconnect' cannot tell the
// worker that its runner died. A thread of its own watches the parent and
// kills the worker's process group (itself and what it started) once the
// runner is gone, whatever the main thread is doing.
const WATCHDOG = `
const runner = ${process.ppid};
setInterval(() => {
  if (process.ppid === runner) return;
  try { process.kill(-process.pid, 'SIGKILL'); } catch { process.kill(process.pid, 'SIGKILL'); }
}, 100);
`;
// No loader hooks in the watchdog: it is plain JavaScript.
new Thread(WATCHDOG, { eval: true, execArgv: [] }).unref();
const backends = new Map<string, Backend>();

function findJob(ref: JobRef): Job {
  const key = `${ref.file}\0${ref.name}`;
  if (!jobs.has(key)) for (const job of suiteJobs(loadSuite(ref.file))) jobs.set(`${ref.file}\0${job.name}`, job);
  const job = jobs.get(key);
  if (!job) throw new Error(`no job ${ref.name} in ${ref.file}`);
  return job;
}

async function handle(request: JobRequest): Promise<WorkerMessage> {
  const { id } = request;
  try {
    let backend = backends.get(request.backend);
    if (!backend) backends.set(request.backend, (backend = await loadBackend(request.backend)));
    const job = findJob(request.job);
    process.send?.({ type: 'started', id } satisfies WorkerMessage);
    const emit = (stream: 'out' | 'err', line: string) => appendLine(request.dir, stream === 'out' ? FILES.out : FILES.err, line);
    const outcome = executeJob(job, backend, request.session, emit);
    // The kernel log goes beside the output before the runner hears of the end,
    // so a job that finished is whole on disk even if the runner died meanwhile.
    if (outcome.kmsg.length > 0) appendLine(request.dir, FILES.dmesg, outcome.kmsg.map(formatKmsg).join('\n'));
    return { type: 'done', id, verdict: outcome.verdict, kmsg: outcome.kmsg };
  } catch (e) {
    return { type: 'error', id, message: (e as Error).message };
  }
}

process.on('message', (request: JobRequest) => {
  void handle(request).then((reply) => process.send?.(reply));
});
// The pool closes the channel when the run ends.
process.on('disconnect', () => process.exit(0));
