// What a reader wants from one test's captured output: where it failed, why it
// skipped, what the kernel warned about. primeci's runner marks a failing step
// with "at suites/<suite>.yaml:LINE:COL"; IGT's own tests log "CRITICAL:" lines.
import type { TestResult } from '../runner/results/igt.ts';

export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

const LOCATION = /\bat (\S+?):(\d+):(\d+)\b/;
const MAX_FAILURE_LINES = 10;

function lines(text: string): string[] {
  return text.split('\n').map((line) => line.trimEnd()).filter((line) => line.trim() !== '');
}

/** The first scenario position a failure message points at, if any. */
export function failurePosition(test: TestResult): SourcePosition | undefined {
  const match = LOCATION.exec(`${test.out}\n${test.err}`);
  return match ? { file: match[1]!, line: Number(match[2]), col: Number(match[3]) } : undefined;
}

// igt_core's bookkeeping lines, which say nothing about why a test failed.
const BOOKKEEPING = /^(IGT-Version:|Starting (dynamic )?subtest:|(Dynamic s|S)ubtest .*: [A-Z]+)/;

/**
 * The lines that say why a test failed: each line naming a scenario position
 * (with the message line before it when the position stands alone), then
 * IGT's CRITICAL lines from stderr; failing those (a hang names no step), the
 * last lines of stdout that are not IGT's bookkeeping.
 */
function explainingLines(text: string): string[] {
  const all = lines(text);
  return all.flatMap((line, i) => {
    if (LOCATION.test(line)) return line.trim().startsWith('at ') && i > 0 ? [all[i - 1]!, line] : [line];
    return /CRITICAL:/.test(line) ? [line] : [];
  });
}

export function failureLines(test: TestResult): string[] {
  // The runner writes its CRITICAL lines to both streams: keep each once.
  const picked = [...new Set([...explainingLines(test.out), ...explainingLines(test.err)])];
  if (!picked.length) return lines(test.out).filter((line) => !BOOKKEEPING.test(line)).slice(-MAX_FAILURE_LINES);
  return picked.slice(0, MAX_FAILURE_LINES);
}

/** Why a test skipped: IGT's "Test requirement: …" line, or primeci's "Skip: …". */
export function skipReason(test: TestResult): string | undefined {
  for (const line of lines(`${test.out}\n${test.err}`)) {
    const match = /^\s*(?:Test requirement|Skip(?:ping)?|Requirement not met)\s*:\s*(.+)$/i.exec(line);
    if (match) return match[1]!.trim();
  }
  return undefined;
}

/** The kernel log lines the runner counted as warnings (IGT's "dmesg-warnings"). */
export function dmesgWarnings(test: TestResult): string[] {
  return lines(test['dmesg-warnings'] ?? '');
}

export function duration(test: TestResult): number {
  return Math.max(0, test.time.end - test.time.start);
}

/** `igt@prime_vgem@sync@rcs0` → binary `prime_vgem`, subtest `sync@rcs0`. */
export function splitTestName(name: string): { binary: string; subtest: string } {
  const [, binary = name, ...rest] = name.split('@');
  return { binary, subtest: rest.join('@') || binary };
}
