// primeci validate: load suites and report every problem as file:line:col: message.
import { parse } from '../options.ts';
import { loadSuites, suiteFiles, displayPath } from '../scenario/load.ts';

export default async function validate(argv: string[]): Promise<number> {
  const { positionals } = parse('validate', argv, {});
  const { suites, errors } = loadSuites(suiteFiles(positionals));
  for (const s of suites) process.stdout.write(`ok ${displayPath(s.file)} (${s.subtests.length} subtests)\n`);
  for (const e of errors) process.stderr.write(e.message + '\n');
  return errors.length > 0 ? 2 : 0;
}
