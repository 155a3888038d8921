// A worker process: runs jobs sent by the pool, one at a time, each on a fresh session.
import type { Backend, KmsgRecord, SessionOptions } from '../backends/backend.ts';
import { loadBackend } from './backends.ts';
import { executeJob, type JobVerdict } from './execute-job.ts';
import { suiteJobs, type Job, type JobRef } from './job.ts';
import { loadSuite } from './scenario/load.ts';

export interface JobRequest {
  type: 'job';
  id: number;
  job: JobRef;
  backend: string;
  session: SessionOptions;
}

export type WorkerMessage =
  | { type: 'line'; id: number; stream: 'out' | 'err'; line: string }
  | { type: 'done'; id: number; verdict: JobVerdict; kmsg: KmsgRecord[] }
  | { type: 'error'; id: number; message: string };

const jobs = new Map<string, Job>();
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
  const send = (m: WorkerMessage) => process.send?.(m);
  try {
    let backend = backends.get(request.backend);
    if (!backend) backends.set(request.backend, (backend = await loadBackend(request.backend)));
    const job = findJob(request.job);
    const outcome = executeJob(job, backend, request.session, (stream, line) => send({ type: 'line', id, stream, line }));
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
