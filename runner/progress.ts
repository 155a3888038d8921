// What the terminal shows while a run goes: on an interactive terminal one live
// line (done/total, failures, elapsed, ETA) with problems printed above it; in
// CI or a pipe, igt_runner's plain `[n/total] suite (subtest)` lines.
import type { Status } from './results/igt.ts';

export interface Progress {
  ended(name: string, status: Status, seconds: number): void;
  finish(): void;
}

const QUIET: ReadonlySet<Status> = new Set(['pass', 'skip', 'notrun']);

export function wantsLiveProgress(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && !env.CI && !env.NO_COLOR;
}

export function createProgress(total: number, live: boolean, write: (text: string) => void): Progress {
  const width = String(total).length;
  const started = performance.now();
  let done = 0;
  let failed = 0;
  const counter = () => `[${String(done).padStart(width, '0')}/${total}]`;
  const describe = (name: string) => {
    const [, suite, ...rest] = name.split('@');
    return `${suite} (${rest.join('@')})`;
  };
  return {
    ended(name, status, seconds) {
      done++;
      if (!QUIET.has(status)) failed++;
      const line = `${counter()} ${describe(name)} ${status} (${seconds.toFixed(3)}s)`;
      if (!live) return write(line + '\n');
      const elapsed = (performance.now() - started) / 1000;
      const eta = (elapsed / done) * (total - done);
      const problem = QUIET.has(status) ? '' : `${line}\n`;
      write(`\r\x1b[K${problem}${counter()} ${failed} failed · ${elapsed.toFixed(1)}s · ETA ${eta.toFixed(0)}s`);
    },
    finish() {
      if (live) write('\r\x1b[K');
    },
  };
}
