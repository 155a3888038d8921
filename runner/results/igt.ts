// IGT's results.json (runner/resultgen.c, results_version 10): the canonical
// result format. Everything after execution reads and writes this shape, so
// igt_runner's own results can be reported and compared too.

/** IGT's result statuses, in the order igt_runner's totals list them. */
export const STATUSES = [
  'crash',
  'pass',
  'dmesg-fail',
  'dmesg-warn',
  'skip',
  'incomplete',
  'abort',
  'timeout',
  'notrun',
  'fail',
  'warn',
] as const;

export type Status = (typeof STATUSES)[number];

export function isStatus(value: unknown): value is Status {
  return typeof value === 'string' && (STATUSES as readonly string[]).includes(value);
}

export interface TimeAttribute {
  __type__: 'TimeAttribute';
  start: number;
  end: number;
}

export interface TestResult {
  out: string;
  err: string;
  /** "<level> [sec.usec] message" lines */
  dmesg: string;
  /** Only present when some dmesg line counted as a warning. */
  'dmesg-warnings'?: string;
  result: Status;
  time: TimeAttribute;
  'igt-version'?: string;
  /** primeci: with `run --repeat N`, every run's status in order (the entry is the worst run). */
  runs?: Status[];
}

export type Totals = Record<Status, number>;

export interface TestrunResult {
  __type__: 'TestrunResult';
  results_version: 10;
  name: string;
  uname: string;
  cmdline?: string[];
  time_elapsed: TimeAttribute;
  tests: Record<string, TestResult>;
  totals: Record<string, Totals>;
  runtimes: Record<string, { time: TimeAttribute }>;
  /** primeci's additions (igt_runner ignores unknown keys): build, host, backend, seed. */
  metadata?: Record<string, string>;
}

/** From harmless to worst, for keeping the worst of repeated runs. */
const SEVERITY: readonly Status[] = [
  'notrun', 'pass', 'skip', 'warn', 'dmesg-warn', 'fail', 'dmesg-fail', 'timeout', 'incomplete', 'crash', 'abort',
];

export function worse(a: Status, b: Status): Status {
  return SEVERITY.indexOf(b) > SEVERITY.indexOf(a) ? b : a;
}

export function emptyTotals(): Totals {
  return Object.fromEntries(STATUSES.map((s) => [s, 0])) as Totals;
}

export function timeAttribute(start: number, end: number): TimeAttribute {
  return { __type__: 'TimeAttribute', start, end };
}
