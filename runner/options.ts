// Command-line parsing shared by the subcommands (node:util parseArgs, strict).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options every command that selects tests understands, as igt_runner spells them. */
export const SELECTION_OPTIONS = {
  'include-tests': { type: 'string', short: 't', multiple: true },
  'exclude-tests': { type: 'string', short: 'x', multiple: true },
} as const satisfies Options;

export function parse<O extends Options>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`primeci ${command}: ${(e as Error).message}`);
  }
}

export function integer(flag: string, value: string | undefined, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`${flag} ${JSON.stringify(value)}: expected a whole number ${range}`);
  }
  return n;
}
