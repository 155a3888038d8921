// The primeci command line: `primeci <command> [options]`. Each command is a
// module in runner/commands/ exporting `default (argv) => Promise<exit code>`.
import { existsSync } from 'node:fs';
import { KernelBuildError } from '../kernel/errors.ts';
import { ReportInputError } from '../reporters/errors.ts';
import { InputError } from './scenario/source.ts';
import { UsageError } from './usage.ts';

const USAGE = `usage: primeci <command> [options]

commands:
  run [SUITE...] [-t REGEX]... [-x REGEX]...   run suites (default: all) and write results/<run>/
  list [SUITE...] [-t REGEX]... [-x REGEX]...  print the selected igt@suite@subtest names
  validate [FILE...]                           check suite files, report file:line:col problems
  (and every other module in runner/commands/)

exit codes: 0 all passed, 1 a test failed, 2 bad input`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return command === undefined ? 2 : 0;
  }
  const module = new URL(`./commands/${command}.ts`, import.meta.url);
  if (!/^[a-z-]+$/.test(command) || !existsSync(module)) {
    process.stderr.write(`primeci: unknown command '${command}'\n${USAGE}\n`);
    return 2;
  }
  try {
    const { default: run } = (await import(module.href)) as { default: (argv: string[]) => Promise<number> };
    return await run(rest);
  } catch (e) {
    if (e instanceof UsageError || e instanceof InputError || e instanceof ReportInputError || e instanceof KernelBuildError) {
      process.stderr.write(e.message + '\n');
      return 2;
    }
    throw e;
  }
}
