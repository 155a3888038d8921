// primeci list: the jobs a run would execute, one igt@suite@subtest[@dyn] a line.
import { SELECTION_OPTIONS, parse } from '../options.ts';
import { selectTests } from '../select.ts';

export default async function list(argv: string[]): Promise<number> {
  const { values, positionals } = parse('list', argv, SELECTION_OPTIONS);
  const { jobs, errors } = selectTests(positionals, values['include-tests'], values['exclude-tests']);
  for (const job of jobs) process.stdout.write(job.name + '\n');
  for (const e of errors) process.stderr.write(e.message + '\n');
  return errors.length > 0 ? 2 : 0;
}
