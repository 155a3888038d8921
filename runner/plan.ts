// The job list (igt_runner's job_list.c): which jobs run, in which order.
// -t includes, -x excludes (case-insensitive regexes searched anywhere in
// igt@suite@subtest[@dyn]); a test list fixes names and order; a blocklist
// holds more exclusions; a shard keeps every N-th job; repeat runs each N times.
import { readFileSync } from 'node:fs';
import type { Job } from './job.ts';
import { UsageError } from './usage.ts';

export interface Filters {
  include: RegExp[];
  exclude: RegExp[];
}

export interface Shard {
  /** 1-based */
  index: number;
  count: number;
}

export interface PlanOptions {
  include: string[];
  exclude: string[];
  testList?: string;
  blocklist?: string;
  shard?: Shard;
  repeat: number;
}

export function compileFilters(include: string[], exclude: string[]): Filters {
  return { include: include.map((s) => compileRegex(s, '-t')), exclude: exclude.map((s) => compileRegex(s, '-x')) };
}

function compileRegex(source: string, where: string): RegExp {
  try {
    return new RegExp(source, 'i');
  } catch (e) {
    throw new UsageError(`${where} ${JSON.stringify(source)}: invalid regular expression: ${(e as Error).message}`);
  }
}

export function selected(name: string, filters: Filters): boolean {
  const included = filters.include.length === 0 || filters.include.some((r) => r.test(name));
  return included && !filters.exclude.some((r) => r.test(name));
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const shard = m ? { index: Number(m[1]), count: Number(m[2]) } : undefined;
  if (!shard || shard.count < 1 || shard.index < 1 || shard.index > shard.count) {
    throw new UsageError(`--shard ${JSON.stringify(text)}: expected I/N with 1 ≤ I ≤ N`);
  }
  return shard;
}

/** Non-empty, non-comment lines of a list file, with their line numbers. */
function listLines(file: string, flag: string): { text: string; line: number }[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${flag} ${file}: ${(e as Error).message}`);
  }
  return text
    .split('\n')
    .map((l, i) => ({ text: l.replace(/#.*/, '').trim(), line: i + 1 }))
    .filter((l) => l.text.length > 0);
}

/** A test-list entry names a test, or a prefix at an `@` (igt@bin: all of it), with `*` wildcards. */
function entryMatcher(entry: string): (name: string) => boolean {
  const glob = entry.toLowerCase().split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^@]*');
  const re = new RegExp(`^${glob}(@.*)?$`);
  return (name) => re.test(name);
}

function applyTestList(jobs: Job[], file: string): Job[] {
  const out: Job[] = [];
  const taken = new Set<Job>();
  for (const { text, line } of listLines(file, '--test-list')) {
    const matches = entryMatcher(text);
    const found = jobs.filter((j) => matches(j.name));
    if (found.length === 0) throw new UsageError(`${file}:${line}: ${text} matches no test`);
    for (const j of found.filter((j) => !taken.has(j))) {
      taken.add(j);
      out.push(j);
    }
  }
  return out;
}

function blocklistFilters(file: string): RegExp[] {
  return listLines(file, '--blocklist').map(({ text, line }) => compileRegex(text, `${file}:${line}:`));
}

export function planJobs(jobs: Job[], options: PlanOptions): Job[] {
  const filters = compileFilters(options.include, options.exclude);
  if (options.blocklist) filters.exclude.push(...blocklistFilters(options.blocklist));
  let planned = options.testList ? applyTestList(jobs, options.testList) : jobs;
  planned = planned.filter((j) => selected(j.name, filters));
  if (options.shard) {
    const { index, count } = options.shard;
    planned = planned.filter((_, i) => i % count === index - 1);
  }
  return planned.flatMap((j) => Array.from({ length: options.repeat }, () => j));
}
