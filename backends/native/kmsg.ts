// The kernel log of one session, from /dev/kmsg as igt_runner reads it: on
// open, skip what is already there and write a marker; kmsg() then returns the
// records logged since (warnings a test provoked become dmesg-warn).
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs';
import type { KmsgRecord } from '../backend.ts';

const RECORD_MAX = 8192;

/** "LEVEL_AND_FACILITY,SEQ,USEC,FLAGS;MESSAGE\n continuation lines" (Documentation/ABI/testing/dev-kmsg). */
export function parseKmsgRecord(text: string): KmsgRecord | undefined {
  const header = /^(\d+),(\d+),(\d+),[^;]*;/.exec(text);
  if (!header) return undefined;
  const message = text.slice(header[0].length).split('\n')[0];
  return { level: Number(header[1]) & 7, seq: Number(header[2]), usec: Number(header[3]), message };
}

export class KmsgReader {
  private fd: number | undefined;
  private readonly buffer = Buffer.alloc(RECORD_MAX);
  private readonly records: KmsgRecord[] = [];

  /** Opens /dev/kmsg, drops the older records and logs `marker`; without /dev/kmsg
   * (not root, no such device) the log is simply empty. */
  constructor(marker: string, path = '/dev/kmsg') {
    try {
      this.fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
    } catch {
      return;
    }
    this.drain();
    this.records.length = 0;
    try {
      writeSync(this.fd, `<6>${marker}\n`);
    } catch {
      // A read-only /dev/kmsg still gives the records; only the marker is lost.
    }
  }

  /** The records since the session opened, the marker first. */
  read(): KmsgRecord[] {
    this.drain();
    return [...this.records];
  }

  /** Stops reading; what was logged until now stays readable (the runner reads
   * a job's log after disposing of its session). */
  close(): void {
    this.drain();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private drain(): void {
    if (this.fd === undefined) return;
    for (;;) {
      let n: number;
      try {
        n = readSync(this.fd, this.buffer, 0, RECORD_MAX, null);
      } catch (e) {
        // EPIPE: records were overwritten before we read them; the next read resumes.
        if ((e as NodeJS.ErrnoException).code === 'EPIPE') continue;
        return; // EAGAIN: nothing more for now
      }
      if (n <= 0) return;
      const record = parseKmsgRecord(this.buffer.toString('utf8', 0, n));
      if (record) this.records.push(record);
    }
  }
}
