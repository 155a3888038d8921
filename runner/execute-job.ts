// Runs one job on a backend and prints what an IGT test binary would print.
import type { Backend, KmsgRecord, Requirement, Session, SessionOptions } from '../backends/backend.ts';
import { Interpreter, RequirementNotMet, StepFailure, opsUsed } from './interpret.ts';
import type { Job } from './job.ts';
import { displayLocation } from './scenario/location.ts';
import type { SourceLocation } from './scenario/model.ts';
import { igtVersionLine } from './version.ts';

/** The subtest's own verdict; dmesg rules are applied later, from the results directory. */
export type JobVerdict = 'pass' | 'fail' | 'skip' | 'crash' | 'incomplete';

export interface JobOutcome {
  verdict: JobVerdict;
  kmsg: KmsgRecord[];
}

export type Emit = (stream: 'out' | 'err', line: string) => void;

const IGT_WORD: Record<Exclude<JobVerdict, 'incomplete'>, string> = { pass: 'SUCCESS', fail: 'FAIL', skip: 'SKIP', crash: 'CRASH' };

export function executeJob(job: Job, backend: Backend, options: SessionOptions, emit: Emit): JobOutcome {
  const { suite, subtest, dynamic } = job;
  const tag = `(${suite.name}:${process.pid})`;
  emit('out', igtVersionLine(backend.name, options.build));
  emit('out', `Starting subtest: ${subtest.name}`);
  if (dynamic) emit('out', `Starting dynamic subtest: ${dynamic.name}`);
  const started = performance.now();
  const session = backend.session({ ...options, test: job.name });
  let verdict: JobVerdict;
  try {
    verdict = runOnSession(job, session, emit, tag);
  } finally {
    session.dispose();
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(3);
  if (verdict !== 'incomplete') {
    const word = IGT_WORD[verdict];
    if (dynamic) emit('out', `Dynamic subtest ${dynamic.name}: ${word} (${seconds}s)`);
    emit('out', `Subtest ${subtest.name}: ${word} (${seconds}s)`);
  }
  return { verdict, kmsg: session.kmsg() };
}

function runOnSession(job: Job, session: Session, emit: Emit, tag: string): JobVerdict {
  const { suite, subtest, dynamic } = job;
  try {
    checkRequirements(job, session);
    const interpreter = new Interpreter(suite);
    const steps = [...suite.fixture, ...subtest.steps];
    const bindings = Object.fromEntries(Object.entries(dynamic?.bindings ?? {}));
    const outcome = session.run(interpreter.body(steps, bindings, subtest.name));
    if (outcome.kind === 'hung') {
      // As on a hung machine: no result line; the runner records `incomplete`.
      for (const line of outcome.report.split('\n')) emit('out', line);
      return 'incomplete';
    }
    return 'pass';
  } catch (e) {
    if (e instanceof RequirementNotMet) {
      emit('out', `Test requirement not met in function igt_require, file ${displayLocation(e.at)}:`);
      emit('out', `Test requirement: ${e.requirement}`);
      return 'skip';
    }
    if (e instanceof StepFailure) {
      const where = displayLocation(e.at);
      const lines = [
        `${tag} CRITICAL: Test assertion failure function ${e.what}, file ${where}:`,
        `${tag} CRITICAL: Failed assertion: ${e.message}`,
        `${tag} CRITICAL: at ${where} in ${e.frames.join(' > ')}`,
      ];
      for (const line of lines) {
        emit('out', line);
        emit('err', line);
      }
      return 'fail';
    }
    // A bug below the scenario (in the backend) is what a crashing test binary is to IGT.
    emit('err', `${tag} CRITICAL: unexpected exception: ${(e as Error)?.stack ?? String(e)}`);
    return 'crash';
  }
}

function checkRequirements(job: Job, session: Session): void {
  const { suite, subtest, dynamic } = job;
  const declared: [Requirement[], SourceLocation][] = [
    [suite.requires, { file: suite.file, line: 1, col: 1 }],
    [subtest.requires, subtest.at],
    [dynamic?.requires ?? [], subtest.at],
  ];
  for (const [requirements, at] of declared) {
    for (const r of requirements) {
      const why = session.unmet(r);
      if (why !== undefined) throw new RequirementNotMet(at, `${describeRequirement(r)}: ${why}`);
    }
  }
  // The ops a subtest issues are requirements too: a backend lacking one skips, never fails.
  for (const op of opsUsed(suite, [...suite.fixture, ...subtest.steps])) {
    const why = session.unmet({ op });
    if (why !== undefined) throw new RequirementNotMet(subtest.at, `op ${op}: ${why}`);
  }
}

function describeRequirement(r: Requirement): string {
  if ('driver' in r) return `driver ${r.driver}`;
  if ('op' in r) return `op ${r.op}`;
  return `feature ${r.feature}`;
}
