// One runner per results folder: a run (or a resume) holds DIR/.lock, which
// names its process. A lock whose process is gone (kill -9) is stale and is
// taken over; a live one refuses the second runner before it touches a job.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { openSync, readFileSync, renameSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { UsageError } from './usage.ts';

export const LOCK_FILE = '.lock';

interface Owner {
  pid: number;
  host: string;
}

/** Takes the folder's lock or throws UsageError naming the run that holds it. */
export function lockRun(dir: string): void {
  if (tryCreate(dir)) return;
  const held = readLock(dir);
  if (held.owner && isAlive(held.owner)) throw busy(dir, held.owner);
  // Stale: move it aside under a name of our own, and take over only if what
  // was moved is still the stale lock (another runner may have got there first).
  const aside = join(dir, `${LOCK_FILE}.stale-${process.pid}`);
  try {
    renameSync(join(dir, LOCK_FILE), aside);
  } catch {
    throw busy(dir, readLock(dir).owner);
  }
  const moved = readFileSync(aside, 'utf8');
  if (moved !== held.text) {
    renameSync(aside, join(dir, LOCK_FILE));
    throw busy(dir, readLock(dir).owner);
  }
  unlinkSync(aside);
  if (!tryCreate(dir)) throw busy(dir, readLock(dir).owner);
}

/** Drops the lock if this process holds it. */
export function unlockRun(dir: string): void {
  const { owner } = readLock(dir);
  if (owner?.pid === process.pid && owner.host === hostname()) unlinkSync(join(dir, LOCK_FILE));
}

function tryCreate(dir: string): boolean {
  let fd: number;
  try {
    fd = openSync(join(dir, LOCK_FILE), 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new UsageError(`${dir}: cannot lock the results folder: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  writeSync(fd, `${process.pid} ${hostname()}\n`);
  closeSync(fd);
  return true;
}

function readLock(dir: string): { text: string; owner?: Owner } {
  let text: string;
  try {
    text = readFileSync(join(dir, LOCK_FILE), 'utf8');
  } catch {
    return { text: '' };
  }
  const m = /^(\d+) (\S+)\n$/.exec(text);
  return m ? { text, owner: { pid: Number(m[1]), host: m[2] } } : { text };
}

/** A lock from another host cannot be checked, so it counts as held. */
function isAlive(owner: Owner): boolean {
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function busy(dir: string, owner: Owner | undefined): UsageError {
  const who = owner ? `process ${owner.pid} on ${owner.host}` : 'another runner';
  return new UsageError(`${dir} is in use by ${who}: one runner per results folder (if that run is gone, remove ${join(dir, LOCK_FILE)})`);
}
