// primeci explore NAME [--profile BUILD] [--schedules N] [--preemptions K] [--seed S] [--replay SCHEDULE]
//
// Hunts for a schedule under which one test fails on the simulator: first
// random schedules (seeds S, S+1, ...), each replayable with `primeci run
// --seed`; then systematic ones, every interleaving with at most K
// preemptions (a thread switched out while it could have gone on), depth
// first, each replayable with `--replay`. Prints the first failing schedule.
import { LIMITS } from '../config.ts';
import type { KmsgRecord, SessionOptions } from '../../backends/backend.ts';
import { simBackend } from '../../backends/sim/index.ts';
import { parseBuild } from '../../backends/sim/profile.ts';
import { executeJob, type JobVerdict } from '../execute-job.ts';
import type { Job } from '../job.ts';
import { integer, parse } from '../options.ts';
import { DEFAULT_DMESG_RULES, isWarning } from '../results/dmesg.ts';
import { selectTests } from '../select.ts';
import { UsageError } from '../usage.ts';

const OPTIONS = {
  profile: { type: 'string' },
  schedules: { type: 'string' },
  preemptions: { type: 'string' },
  seed: { type: 'string' },
  replay: { type: 'string' },
} as const;

/** A schedule: a seed of the random scheduler, or the decisions of a systematic one. */
export type Schedule = { seed: number } | { decisions: number[] };

export interface Attempt {
  schedule: Schedule;
  /** IGT's status, dmesg rules applied: pass, fail, crash, incomplete, dmesg-warn, dmesg-fail. */
  status: string;
  out: string[];
  kmsg: KmsgRecord[];
}

export interface Exploration {
  tried: number;
  failure?: Attempt;
}

function statusOf(verdict: JobVerdict, kmsg: KmsgRecord[]): string {
  const warned = kmsg.some((r) => isWarning(r, DEFAULT_DMESG_RULES));
  if (warned && verdict === 'pass') return 'dmesg-warn';
  if (warned && verdict === 'fail') return 'dmesg-fail';
  return verdict;
}

/** Run the job once under a schedule; `taken` receives a systematic run's decisions. */
export function runSchedule(job: Job, build: string, schedule: Schedule): Attempt & { taken: SessionOptions['schedule'] } {
  const taken = 'decisions' in schedule ? { prefix: schedule.decisions, taken: [] } : undefined;
  const options: SessionOptions = { build, seed: 'seed' in schedule ? schedule.seed : 0, ...(taken && { schedule: taken }) };
  const out: string[] = [];
  const { verdict, kmsg } = executeJob(job, simBackend, options, (_stream, line) => out.push(line));
  return { schedule, status: statusOf(verdict, kmsg), out, kmsg, taken };
}

const failed = (a: Attempt) => a.status !== 'pass' && a.status !== 'skip';

export interface ExploreOptions {
  build: string;
  /** How many random schedules, from seed `seed` on. */
  random: number;
  seed: number;
  /** How many systematic schedules, with at most `preemptions` preemptions each. */
  systematic: number;
  preemptions: number;
}

/** Random schedules, then systematic ones within the preemption bound, until one fails. */
export function exploreJob(job: Job, options: ExploreOptions): Exploration {
  const { build, seed, preemptions } = options;
  const budget = options.random + options.systematic;
  let tried = 0;
  for (; tried < options.random; tried++) {
    const attempt = runSchedule(job, build, { seed: seed + tried });
    if (attempt.status === 'skip') return { tried: tried + 1 };
    if (failed(attempt)) return { tried: tried + 1, failure: attempt };
  }
  // Depth-first over decision prefixes; each run extends its prefix without preempting.
  const stack: number[][] = [[]];
  while (stack.length && tried < budget) {
    const prefix = stack.pop()!;
    const attempt = runSchedule(job, build, { decisions: prefix });
    tried++;
    const taken = attempt.taken!.taken;
    const decisions = taken.map((d) => d.chosen);
    if (failed(attempt)) return { tried, failure: { ...attempt, schedule: { decisions } } };
    let used = 0;
    for (let i = 0; i < taken.length; i++) {
      const d = taken[i];
      if (i >= prefix.length) {
        for (let alt = d.options - 1; alt >= 0; alt--) {
          if (alt === d.chosen) continue;
          const preempts = d.previous >= 0 && alt !== d.previous ? 1 : 0;
          if (used + preempts <= preemptions) stack.push([...decisions.slice(0, i), alt]);
        }
      }
      if (d.previous >= 0 && d.chosen !== d.previous) used++;
    }
  }
  return { tried };
}

function findJob(name: string): Job {
  const { jobs } = selectTests([], { include: [`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`] });
  if (jobs.length !== 1) throw new UsageError(`primeci explore: no test named ${name} (see primeci list)`);
  return jobs[0];
}

function describe(schedule: Schedule): string {
  return 'seed' in schedule ? `seed ${schedule.seed}` : `systematic schedule ${schedule.decisions.join('.') || '(no switches)'}`;
}

function replayCommand(job: Job, build: string, schedule: Schedule): string {
  return 'seed' in schedule
    ? `primeci run --profile ${build} --seed ${schedule.seed} -t '^${job.name}$'`
    : `primeci explore ${job.name} --profile ${build} --replay ${schedule.decisions.join('.') || '-'}`;
}

function print(attempt: Attempt, job: Job, build: string): void {
  const lines = [
    `${job.name} ${attempt.status.toUpperCase()} on ${build} under ${describe(attempt.schedule)}`,
    `replay: ${replayCommand(job, build, attempt.schedule)}`,
    '--- out ---',
    ...attempt.out,
    '--- dmesg (warnings) ---',
    ...attempt.kmsg.filter((r) => isWarning(r, DEFAULT_DMESG_RULES)).map((r) => `<${r.level}> ${r.message}`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

export default async function explore(argv: string[]): Promise<number> {
  const { values, positionals } = parse('explore', argv, OPTIONS);
  if (positionals.length !== 1) throw new UsageError('usage: primeci explore NAME [--profile BUILD] [--schedules N] [--preemptions K] [--seed S] [--replay SCHEDULE]');
  const build = values.profile ?? 'mainline';
  const parsed = parseBuild(build);
  if (!parsed.ok) throw new UsageError(`primeci explore: --profile ${build}: ${parsed.error}`);
  const job = findJob(positionals[0]);
  if (values.replay !== undefined) {
    const decisions = values.replay === '-' ? [] : values.replay.split('.').map((d) => integer('--replay', d, 0));
    const attempt = runSchedule(job, build, { decisions });
    print(attempt, job, build);
    return failed(attempt) ? 1 : 0;
  }
  const budget = integer('--schedules', values.schedules, 100, 1);
  const preemptions = integer('--preemptions', values.preemptions, 2);
  const seed = integer('--seed', values.seed, 1, 0, LIMITS.seed);
  const random = Math.ceil(budget / 2);
  const result = exploreJob(job, { build, random, seed, systematic: budget - random, preemptions });
  if (!result.failure) {
    process.stdout.write(`${job.name}: no failing schedule in ${result.tried} tried on ${build}\n`);
    return 0;
  }
  process.stdout.write(`found after ${result.tried} schedule${result.tried === 1 ? '' : 's'}\n`);
  print(result.failure, job, build);
  return 1;
}
