// The run's structured log: NDJSON in results/<run>/runner.log, written
// synchronously so a killed runner loses nothing; with -v also pretty on stderr.
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export const LOG_FILE = 'runner.log';

export function createRunLogger(dir: string, verbose: boolean): Logger {
  const file = pino.destination({ dest: join(dir, LOG_FILE), sync: true, mkdir: true, append: true });
  const streams: pino.StreamEntry[] = [{ stream: file, level: 'debug' }];
  if (verbose) streams.push({ stream: pretty({ destination: 2, sync: true, colorize: process.stderr.isTTY }), level: 'debug' });
  return pino({ level: 'debug', base: { pid: process.pid } }, pino.multistream(streams));
}
