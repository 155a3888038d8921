// For the kernel tests that boot what they build: `primeci` as a user runs it,
// and the verdicts of a results folder.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
export const fixture = (name: string) => join(root, 'test', 'fixtures', 'kernel', name);

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function primeci(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(root, 'bin/primeci.js'), ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** The last line `primeci kernel build` prints: the kernel folder. */
export const folderOf = (ran: Ran) => ran.stdout.trim().split('\n').at(-1)!;

export interface Verdicts {
  tests: Record<string, { result: string; dmesg: string }>;
}

export const verdicts = (dir: string): Verdicts => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
