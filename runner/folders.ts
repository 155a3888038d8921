// Creating output folders (results, reports, merged runs) with an error that
// names who asked for the path, never a loop or a stack trace.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './usage.ts';

/**
 * `mkdir -p`, one level at a time. Node's recursive mkdir loops forever where
 * mkdir answers ENOENT for a parent that exists (under /proc or /sys), and
 * under a regular file it fails with a bare ENOTDIR. `blame` is the flag or
 * file the path came from, with the path (`--results out/x`).
 */
export function makeFolder(dir: string, blame: string): void {
  const missing: string[] = [];
  for (let at = resolve(dir); ; at = dirname(at)) {
    const kind = kindOf(at);
    if (kind === 'folder') break;
    if (kind === 'other') throw new UsageError(`${blame}: ${at} is not a folder`);
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  for (const path of missing) {
    try {
      mkdirSync(path);
    } catch (e) {
      // Made meanwhile by a concurrent run is fine.
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && kindOf(path) === 'folder') continue;
      throw new UsageError(`${blame}: cannot create ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
}

function kindOf(path: string): 'folder' | 'other' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'other';
  } catch {
    // ENOENT, or ENOTDIR when an ancestor is a file: found further up.
    return 'missing';
  }
}

/** Writes an output file, making its folder; failures name `blame`. */
export function writeOutput(file: string, text: string, blame: string): void {
  if (file.trim() === '') throw new UsageError(`${blame}: expected a file name`);
  makeFolder(dirname(resolve(file)), blame);
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw new UsageError(`${blame}: cannot write: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
