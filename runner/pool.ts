// A pool of persistent worker processes. The pool knows processes; the
// executor knows jobs. A worker that dies or overruns is replaced.
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { execaNode } from 'execa';
import type { KmsgRecord } from '../backends/backend.ts';
import type { JobVerdict } from './execute-job.ts';
import type { JobRequest, WorkerMessage } from './worker.ts';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

export type JobEnd =
  | { kind: 'done'; verdict: JobVerdict; kmsg: KmsgRecord[] }
  /** The worker could not run the job at all (e.g. the suite file vanished). */
  | { kind: 'error'; message: string }
  /** The worker process died during the job. */
  | { kind: 'crashed'; signal: string | null; exitCode: number | null }
  | { kind: 'timeout'; seconds: number };

/** Where a job's life is reported: when a worker takes it, and anything the
 * worker process prints outside the protocol (a native library's messages). */
export interface JobSink {
  start(): void;
  stray(line: string): void;
}

interface Active {
  id: number;
  sink: JobSink;
  finish: (end: JobEnd) => void;
  timeoutSeconds: number | undefined;
  timer?: NodeJS.Timeout;
}

/** How long a worker may take to load the backend and the suite before a job starts. */
const STARTUP_SECONDS = 120;

class Worker {
  readonly child: ChildProcess;
  active: Active | undefined;
  exited = false;

  constructor(onExit: (w: Worker) => void) {
    this.child = execaNode(WORKER, [], {
      // The runner's own node flags (e.g. --jitless in the VM), then the TypeScript loader.
      nodeOptions: [...process.execArgv.filter((a) => !a.includes('tsx')), '--import', TSX],
      ipc: true,
      serialization: 'json',
      stdin: 'ignore',
      reject: false,
      buffer: false,
      // Its own process group, so a timeout kills whatever it started too.
      detached: true,
      cleanup: true,
    }) as unknown as ChildProcess;
    this.child.on('message', (m: WorkerMessage) => this.message(m));
    for (const [stream, pipe] of [['out', this.child.stdout], ['err', this.child.stderr]] as const) {
      pipe?.setEncoding('utf8');
      pipe?.on('data', (text: string) => {
        for (const line of text.split('\n').filter((l) => l.length > 0)) this.active?.sink.stray(`[worker std${stream}] ${line}`);
      });
    }
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      this.end({ kind: 'crashed', signal, exitCode: code });
      onExit(this);
    });
  }

  /** The per-test timeout runs from the moment the worker starts the test;
   * loading the backend and the suite (a fresh worker's start-up) has its own. */
  start(request: JobRequest, sink: JobSink, timeoutSeconds: number | undefined): Promise<JobEnd> {
    return new Promise((finish) => {
      this.active = { id: request.id, sink, finish, timeoutSeconds };
      sink.start();
      this.arm(Math.max(STARTUP_SECONDS, timeoutSeconds ?? 0));
      this.child.send(request);
    });
  }

  private arm(seconds: number | undefined): void {
    const active = this.active;
    if (!active) return;
    clearTimeout(active.timer);
    if (seconds === undefined) return;
    active.timer = setTimeout(() => {
      this.end({ kind: 'timeout', seconds });
      this.kill();
    }, seconds * 1000);
  }

  kill(): void {
    if (this.exited || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      this.child.kill('SIGKILL');
    }
  }

  private message(m: WorkerMessage): void {
    if (!this.active || m.id !== this.active.id) return;
    if (m.type === 'started') this.arm(this.active.timeoutSeconds);
    else if (m.type === 'done') this.end({ kind: 'done', verdict: m.verdict, kmsg: m.kmsg });
    else this.end({ kind: 'error', message: m.message });
  }

  private end(end: JobEnd): void {
    const active = this.active;
    if (!active) return;
    this.active = undefined;
    clearTimeout(active.timer);
    active.finish(end);
  }
}

export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly waiting: ((w: Worker) => void)[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly size: number) {}

  async run(request: Omit<JobRequest, 'type' | 'id'>, sink: JobSink, timeoutSeconds?: number): Promise<JobEnd> {
    const worker = await this.acquire();
    const end = await worker.start({ type: 'job', id: this.nextId++, ...request }, sink, timeoutSeconds);
    if (!worker.exited && end.kind !== 'timeout') this.release(worker);
    return end;
  }

  /** Ends every worker; jobs still running are not waited for. */
  close(): void {
    this.closed = true;
    for (const w of this.idle.splice(0)) {
      w.child.disconnect?.();
      w.kill();
    }
  }

  private spawned = 0;

  private acquire(): Promise<Worker> {
    const w = this.idle.pop();
    if (w) return Promise.resolve(w);
    if (this.spawned < this.size) {
      this.spawned++;
      return Promise.resolve(new Worker((dead) => this.replace(dead)));
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(w: Worker): void {
    const next = this.waiting.shift();
    if (next) next(w);
    else this.idle.push(w);
  }

  /** A dead worker's place goes to a fresh one, if anybody is waiting. */
  private replace(dead: Worker): void {
    const i = this.idle.indexOf(dead);
    if (i >= 0) this.idle.splice(i, 1);
    this.spawned--;
    if (this.closed) return;
    const next = this.waiting.shift();
    if (next) {
      this.spawned++;
      next(new Worker((d) => this.replace(d)));
    }
  }
}
