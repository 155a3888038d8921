// results.json from a results directory, by IGT's rules (runner/resultgen.c):
// the verdict comes from the test's own output lines and the journal, then the
// kernel log may turn pass into dmesg-warn and fail into dmesg-fail.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KmsgRecord } from '../../backends/backend.ts';
import { formatDmesgLine, isWarning, type DmesgRules } from './dmesg.ts';
import {
  emptyTotals, timeAttribute, worse, type Status, type TestResult, type TestrunResult, type Totals,
} from './igt.ts';
import { FILES, jobDir, parseCmdline, parseKmsg, readJoblist, readMetadata, readText } from './layout.ts';

const WORDS: Record<string, Status> = {
  SUCCESS: 'pass',
  SKIP: 'skip',
  FAIL: 'fail',
  CRASH: 'crash',
  TIMEOUT: 'timeout',
};

const EXIT_INVALID = 79;
const EXIT_ABORT = 112;
const NO_OUTPUT = "This test didn't produce any output. The machine probably rebooted ungracefully.";

/** The test's own verdict line for `name` (igt@suite@subtest[@dyn]) in its output. */
export function verdictFromOutput(name: string, out: string): Status | undefined {
  const [, , subtest, dynamic] = name.split('@');
  const pattern = dynamic === undefined
    ? new RegExp(`^Subtest ${escape(subtest)}: (\\w+)`, 'mi')
    : new RegExp(`^Dynamic subtest ${escape(dynamic)}: (\\w+)`, 'mi');
  const m = pattern.exec(out);
  return m ? WORDS[m[1]] : undefined;
}

/** Lines IGT itself writes to stderr; anything else on a passing test's stderr is a warn. */
const STDERR_SENTINELS = /^(Starting (dynamic )?subtest|(Dynamic s|S)ubtest .*: )/;

export interface JobFiles {
  journal: string;
  out: string;
  err: string;
  kmsg: KmsgRecord[];
}

export function readJobFiles(dir: string): JobFiles {
  return {
    journal: readText(dir, FILES.journal),
    out: readText(dir, FILES.out),
    err: readText(dir, FILES.err),
    kmsg: readText(dir, FILES.dmesg).split('\n').flatMap((l) => parseKmsg(l) ?? []),
  };
}

export function jobResult(name: string, files: JobFiles, rules: DmesgRules): TestResult {
  const exit = /^(exit|timeout):(-?\d+) \(([\d.]+)s\)/m.exec(files.journal);
  const seconds = exit ? Number(exit[3]) : 0;
  let result: Status = verdictFromOutput(name, files.out) ?? verdictFromJournal(exit);
  if (result === 'pass' && files.err.split('\n').some((l) => l.trim() !== '' && !STDERR_SENTINELS.test(l))) {
    result = 'warn';
  }
  const warnings = files.kmsg.filter((r) => isWarning(r, rules));
  if (warnings.length > 0) {
    if (result === 'pass' || result === 'warn') result = 'dmesg-warn';
    else if (result === 'fail') result = 'dmesg-fail';
  }
  return {
    out: files.out.length > 0 || files.journal.length > 0 ? files.out : NO_OUTPUT,
    err: files.err,
    dmesg: files.kmsg.map((r) => formatDmesgLine(r) + '\n').join(''),
    ...(warnings.length > 0 && { 'dmesg-warnings': warnings.map((r) => formatDmesgLine(r) + '\n').join('') }),
    result,
    time: timeAttribute(0, seconds),
    'igt-version': files.out.split('\n').find((l) => l.startsWith('IGT-Version:')) ?? '',
  };
}

/** No verdict line: the journal says how the test ended, if it ended at all. */
function verdictFromJournal(exit: RegExpExecArray | null): Status {
  if (!exit) return 'incomplete';
  if (exit[1] === 'timeout') return 'timeout';
  const code = Number(exit[2]);
  if (code >= 128) return 'crash'; // killed by a signal
  if (code === EXIT_ABORT) return 'abort';
  if (code === EXIT_INVALID) return 'notrun';
  return 'incomplete';
}

export function notrun(): TestResult {
  return { out: '', err: '', dmesg: '', result: 'notrun', time: timeAttribute(0, 0) };
}

/** Builds results.json from the directory alone (joblist order; a job with no folder never ran). */
export function generateResults(dir: string, rules: DmesgRules): TestrunResult {
  const metadata = readMetadata(dir);
  const tests = testRecord();
  readJoblist(dir).forEach((name, index) => {
    const d = jobDir(dir, index);
    const result = existsSync(d) ? jobResult(name, readJobFiles(d), rules) : notrun();
    tests[name] = Object.hasOwn(tests, name) ? repeated(tests[name], result) : result;
  });
  const aborted = readText(dir, FILES.aborted);
  if (aborted) tests['igt@runner@aborted'] = { ...notrun(), out: aborted, result: 'fail' };
  const start = Number(readText(dir, FILES.starttime)) || 0;
  const end = Number(readText(dir, FILES.endtime)) || start;
  return {
    __type__: 'TestrunResult',
    results_version: 10,
    name: metadata.name ?? '',
    uname: readText(dir, FILES.uname).trim(),
    ...(metadata.cmdline && { cmdline: parseCmdline(dir, metadata.cmdline) }),
    time_elapsed: timeAttribute(start, end),
    tests,
    totals: totalsOf(tests),
    runtimes: runtimesOf(tests),
    metadata,
  };
}

/** Test names are keys: a null prototype keeps `__proto__` or `constructor` plain names. */
export function testRecord<T = TestResult>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** A test run several times (--repeat) is reported by its worst run, with every status kept. */
function repeated(earlier: TestResult, later: TestResult): TestResult {
  const runs = [...(earlier.runs ?? [earlier.result]), later.result];
  const keep = worse(earlier.result, later.result) === earlier.result ? earlier : later;
  return { ...keep, runs };
}

export function writeResults(dir: string, results: TestrunResult): void {
  writeFileSync(join(dir, FILES.results), JSON.stringify(results, null, 2) + '\n');
}

/** IGT's totals: overall under "" and "root", and per binary under igt@<bin>. */
export function totalsOf(tests: Record<string, TestResult>): Record<string, Totals> {
  const totals = testRecord<Totals>();
  totals[''] = emptyTotals();
  totals.root = emptyTotals();
  for (const [name, t] of Object.entries(tests)) {
    const bin = binaryOf(name);
    totals[bin] ??= emptyTotals();
    for (const key of ['', 'root', bin]) totals[key][t.result]++;
  }
  return totals;
}

export function runtimesOf(tests: Record<string, TestResult>): TestrunResult['runtimes'] {
  const out: TestrunResult['runtimes'] = testRecord();
  for (const [name, t] of Object.entries(tests)) {
    const bin = binaryOf(name);
    out[bin] ??= { time: timeAttribute(0, 0) };
    out[bin].time.end = round(out[bin].time.end + (t.time.end - t.time.start));
  }
  return out;
}

export function binaryOf(name: string): string {
  return name.split('@').slice(0, 2).join('@');
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
