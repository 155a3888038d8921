// The results directory, igt_runner's layout: the interface between running and
// reporting. Everything after execution (results.json, resume, reporters) needs
// nothing but this directory.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KmsgRecord } from '../../backends/backend.ts';

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
  const out: Metadata = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf(' : ');
    if (at > 0) out[line.slice(0, at).trim()] = line.slice(at + 3).trim();
  }
  return out;
}

export function readMetadata(dir: string): Metadata {
  return parseMetadata(readText(dir, FILES.metadata));
}

export function writeJoblist(dir: string, names: string[]): void {
  writeFileSync(join(dir, FILES.joblist), names.map((n) => `${n}\n`).join(''));
}

export function readJoblist(dir: string): string[] {
  return readFileSync(join(dir, FILES.joblist), 'utf8').split('\n').filter((l) => l.length > 0);
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

export function readText(dir: string, file: string): string {
  const path = join(dir, file);
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}
