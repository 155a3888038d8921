// KCIDB I/O JSON (schema v5.3), what KernelCI's `kcidb-submit` takes: the
// kernel under test as one checkout and one build, and a test per IGT result
// at path `igt.BINARY.SUBTEST[.DYNAMIC]`.
import type { Status, TestResult, TestrunResult } from '../../runner/results/igt.ts';
import { ReportInputError } from '../errors.ts';
import { kernelUnderTest, objectId } from '../kcidb/kernel.ts';
import { KCIDB_VERSION, type KcidbData, type KcidbStatus, type KcidbTest } from '../kcidb/objects.ts';
import type { Reporter } from '../reporter.ts';
import { runInfo } from '../run-info.ts';
import { type Outcome, outcomeOf } from '../status.ts';
import { dmesgWarnings, duration, failureLines, skipReason } from '../test-output.ts';

const ORIGIN_VARIABLE = 'PRIMECI_KCIDB_ORIGIN';
const DEFAULT_ORIGIN = 'primeci';
const MAX_EXCERPT = 16384;
const DMESG_TAIL_LINES = 20;

/**
 * KCIDB says FAIL when the tested code is faulty, ERROR when the test did not
 * complete and the code's state is unknown, SKIP when the test did not apply,
 * MISS when the harness never ran it. So a kernel warning (dmesg-warn) is a
 * FAIL, as Intel CI treats it; a hang, timeout, crash or abort is an ERROR
 * whose excerpt carries the kernel log; IGT's notrun is a MISS.
 */
const BY_OUTCOME: Record<Outcome, KcidbStatus> = { pass: 'PASS', failure: 'FAIL', error: 'ERROR', skip: 'SKIP' };

export function kcidbStatus(status: Status): KcidbStatus {
  return status === 'notrun' ? 'MISS' : BY_OUTCOME[outcomeOf(status)];
}

/** `igt@prime_vgem@sync@rcs0` → `igt.prime_vgem.sync.rcs0`; KCIDB allows `[a-zA-Z0-9_-]` in a part. */
export function kcidbPath(name: string): string {
  const parts = name.split('@');
  if (parts[0] !== 'igt') parts.unshift('igt');
  return parts.map((part) => part.replace(/[^a-zA-Z0-9_-]/g, '_') || '_').join('.');
}

function lastLines(text: string, count: number): string[] {
  return text.split('\n').filter((line) => line.trim() !== '').slice(-count);
}

/** The lines that explain the status, cut from the front to KCIDB's limit; none for a pass. */
function excerpt(test: TestResult): string | undefined {
  const outcome = outcomeOf(test.result);
  let lines: string[] = [];
  if (outcome === 'skip') lines = [skipReason(test) ?? ''];
  else if (outcome !== 'pass') {
    const warnings = dmesgWarnings(test);
    // A test that never finished often says nothing itself: the kernel log tells why.
    const kernel = warnings.length || outcome !== 'error' ? warnings : lastLines(test.dmesg, DMESG_TAIL_LINES);
    lines = [...failureLines(test), ...kernel];
  }
  let text = lines.join('\n');
  if (text.length > MAX_EXCERPT) text = text.slice(-MAX_EXCERPT).replace(/^[\udc00-\udfff]/, '');
  return text.trim() ? text : undefined;
}

function originOf(env: Record<string, string | undefined>): string {
  const origin = env[ORIGIN_VARIABLE] || DEFAULT_ORIGIN;
  if (!/^[a-z0-9_]+$/.test(origin)) {
    throw new ReportInputError(`${ORIGIN_VARIABLE}=${origin}: a KCIDB origin is lowercase letters, digits and '_'`);
  }
  return origin;
}

export function kcidbData(results: TestrunResult, origin: string): KcidbData {
  const { checkout, build } = kernelUnderTest(origin, results);
  const { host, backend } = runInfo(results);
  const run = objectId(origin, 'run', { build: build.id, host, name: results.name, start: results.time_elapsed.start });
  const environment = { comment: host, misc: { host, ...(backend && { backend }) } };
  const tests = Object.entries(results.tests).map(([name, test]): KcidbTest => {
    const log = excerpt(test);
    return {
      id: `${run}/${name}`,
      build_id: build.id,
      origin,
      path: kcidbPath(name),
      status: kcidbStatus(test.result),
      environment,
      ...(log && { log_excerpt: log }),
      ...(test.result !== 'notrun' && { duration: duration(test) }),
      misc: { igt_name: name, igt_status: test.result, ...(test.runs && { igt_runs: test.runs }) },
    };
  });
  return { version: KCIDB_VERSION, checkouts: [checkout], builds: [build], tests };
}

const kcidb: Reporter = {
  name: 'kcidb',
  description: 'KCIDB I/O JSON for kcidb-submit',
  defaultFile: 'kcidb.json',
  render(results, context) {
    // KCIDB's text fields refuse NUL, which results and metadata may carry.
    const withoutNul = (_: string, value: unknown) => (typeof value === 'string' ? value.replaceAll('\0', '') : value);
    return { content: `${JSON.stringify(kcidbData(results, originOf(context.env)), withoutNul, 2)}\n` };
  },
};

export default kcidb;
