// primeci parity: the simulator's verdicts beside a real kernel's, subtest by
// subtest. Given two results folders it compares them; otherwise it runs the
// selection on the simulator's linux-6.1 and natively in the VM on Debian's
// 6.1 first. Exit 1 when a subtest both sides ran has different verdicts.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readResults } from '../../reporters/results-reader.ts';
import type { TestResult, TestrunResult } from '../results/igt.ts';
import { parse } from '../options.ts';
import { UsageError } from '../usage.ts';

export interface ParityRow {
  name: string;
  sim: string;
  native: string;
  /** Why the two differ when one side did not run the subtest (its skip reason). */
  note: string;
  disagree: boolean;
}

const NOT_RUN = new Set(['skip', 'notrun', '-']);

function skipReason(t: TestResult | undefined): string {
  return t?.out.split('\n').find((l) => l.startsWith('Test requirement:'))?.replace('Test requirement: ', '') ?? '';
}

export function parityRows(sim: TestrunResult, native: TestrunResult): ParityRow[] {
  const names = [...new Set([...Object.keys(native.tests), ...Object.keys(sim.tests)])];
  return names.map((name) => {
    const s = sim.tests[name]?.result ?? '-';
    const n = native.tests[name]?.result ?? '-';
    const note = s === n ? '' : NOT_RUN.has(n) ? `native: ${skipReason(native.tests[name])}` : NOT_RUN.has(s) ? `sim: ${skipReason(sim.tests[name])}` : '';
    return { name, sim: s, native: n, note, disagree: s !== n && !NOT_RUN.has(s) && !NOT_RUN.has(n) };
  });
}

export function formatParity(rows: ParityRow[], simBuild: string, nativeBuild: string): string {
  const width = Math.max(...rows.map((r) => r.name.length), 7);
  const head = `${'subtest'.padEnd(width)}  ${'sim'.padEnd(11)} ${'native'.padEnd(11)} note`;
  const lines = rows.map((r) => `${r.name.padEnd(width)}  ${r.sim.padEnd(11)} ${r.native.padEnd(11)} ${r.disagree ? 'DIFFERENT' : r.note}`);
  const differ = rows.filter((r) => r.disagree).length;
  return [`sim: ${simBuild}    native: ${nativeBuild}`, '', head, ...lines, '', `${differ} subtest(s) with different verdicts where both ran`].join('\n');
}

export default async function parity(argv: string[]): Promise<number> {
  const split = argv.indexOf('--');
  const own = split < 0 ? argv : argv.slice(0, split);
  const runArgs = split < 0 ? [] : argv.slice(split + 1);
  const { values } = parse('parity', own, { sim: { type: 'string' }, native: { type: 'string' } });
  if ((values.sim === undefined) !== (values.native === undefined)) throw new UsageError('primeci parity: give both --sim DIR and --native DIR, or neither');
  let simDir = values.sim;
  let nativeDir = values.native;
  if (simDir === undefined || nativeDir === undefined) {
    const scratch = mkdtempSync(join(tmpdir(), 'primeci-parity-'));
    simDir = join(scratch, 'sim');
    nativeDir = join(scratch, 'native');
    const { default: run } = await import('./run.ts');
    const { default: vm } = await import('./vm.ts');
    await run([...runArgs, '--profile', 'linux-6.1', '--results', simDir]);
    await vm(['--', 'run', ...runArgs, '--results', nativeDir]);
  }
  const [sim, native] = await Promise.all([readResults(simDir), readResults(nativeDir)]);
  const rows = parityRows(sim, native);
  process.stdout.write(formatParity(rows, sim.metadata?.build ?? sim.name, native.metadata?.['kernel-build'] ?? native.uname) + '\n');
  return rows.some((r) => r.disagree) ? 1 : 0;
}
