// The results directory, igt_runner's layout: the interface between running and
// reporting. Everything after execution (results.json, resume, reporters) needs
// nothing but this directory.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KmsgRecord } from '../../backends/backend.ts';
import { UsageError } from '../usage.ts';

export const FILES = {
  metadata: 'metadata.txt',
  joblist: 'joblist.txt',
  uname: 'uname.txt',
  starttime: 'starttime.txt',
  endtime: 'endtime.txt',
  results: 'results.json',
  aborted: 'aborted.txt',
  journal: 'journal.txt',
  out: 'out.txt',
  err: 'err.txt',
  dmesg: 'dmesg.txt',
  /** The kernel folder's manifest (kernel/manifest.ts), when the run booted one. */
  kernel: 'kernel.json',
} as const;

export type Metadata = Record<string, string>;

export function writeMetadata(dir: string, metadata: Metadata): void {
  const text = Object.entries(metadata).map(([k, v]) => `${k} : ${v}\n`).join('');
  writeFileSync(join(dir, FILES.metadata), text);
}

/** `key : value` lines, as igt_runner writes them. */
export function parseMetadata(text: string): Metadata {
  // Keys are the file's: a key such as __proto__ must stay a plain key.
  const out: Metadata = Object.create(null) as Metadata;
  for (const line of text.split('\n')) {
    const at = line.indexOf(' : ');
    if (at > 0) out[line.slice(0, at).trim()] = line.slice(at + 3).trim();
  }
  return out;
}

export function readMetadata(dir: string): Metadata {
  return parseMetadata(readText(dir, FILES.metadata));
}

/** metadata.txt's cmdline: the run's argv as a JSON list. */
export function parseCmdline(dir: string, text: string): string[] {
  let cmdline: unknown;
  try {
    cmdline = JSON.parse(text);
  } catch {
    cmdline = undefined;
  }
  if (!Array.isArray(cmdline) || !cmdline.every((a) => typeof a === 'string')) {
    throw new UsageError(`${join(dir, FILES.metadata)}: cmdline is not a JSON list of strings`);
  }
  return cmdline;
}

export function writeJoblist(dir: string, names: string[]): void {
  writeFileSync(join(dir, FILES.joblist), names.map((n) => `${n}\n`).join(''));
}

export function readJoblist(dir: string): string[] {
  const text = readText(dir, FILES.joblist);
  if (text.length === 0) throw new UsageError(`${join(dir, FILES.joblist)}: missing or empty; not a run's results folder`);
  return text.split('\n').filter((l) => l.length > 0);
}

export function jobDir(dir: string, index: number): string {
  return join(dir, String(index));
}

/** Appends synchronously: once this returns, a kill -9 of the runner loses nothing written. */
export function appendLine(dir: string, file: string, line: string): void {
  appendFileSync(join(dir, file), line + '\n');
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

/** /dev/kmsg's record format: `level,seq,usec,-;message`. */
export function formatKmsg(r: KmsgRecord): string {
  return `${r.level},${r.seq},${r.usec},-;${r.message}`;
}

export function parseKmsg(line: string): KmsgRecord | undefined {
  const m = /^(\d+),(\d+),(\d+),[^;]*;(.*)$/.exec(line);
  if (!m) return undefined;
  // The facility sits in the upper bits of the prefix; the level is the low three.
  return { level: Number(m[1]) & 7, seq: Number(m[2]), usec: Number(m[3]), message: m[4] };
}

/** A file of the folder, '' if it is not there; anything else unreadable (a
 * folder where a file belongs, a file where a folder does) is bad input. */
export function readText(dir: string, file: string): string {
  const path = join(dir, file);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return '';
    throw new UsageError(`${path}: cannot read: ${code ?? (e as Error).message}`);
  }
}
