// primeci list: the jobs a run would execute, one igt@suite@subtest[@dyn] a line.
import { LIMITS } from '../config.ts';
import { SELECTION_OPTIONS, integer, parse } from '../options.ts';
import { parseShard } from '../plan.ts';
import { selectTests } from '../select.ts';

const LIST_OPTIONS = {
  ...SELECTION_OPTIONS,
  'test-list': { type: 'string' },
  blocklist: { type: 'string', short: 'b' },
  shard: { type: 'string' },
  repeat: { type: 'string' },
} as const;

export default async function list(argv: string[]): Promise<number> {
  const { values, positionals } = parse('list', argv, LIST_OPTIONS);
  const { jobs, errors } = selectTests(positionals, {
    include: values['include-tests'] ?? [],
    exclude: values['exclude-tests'] ?? [],
    ...(values['test-list'] !== undefined && { testList: values['test-list'] }),
    ...(values.blocklist !== undefined && { blocklist: values.blocklist }),
    ...(values.shard !== undefined && { shard: parseShard(values.shard) }),
    repeat: integer('--repeat', values.repeat, 1, 1, LIMITS.repeat),
  });
  for (const job of jobs) process.stdout.write(job.name + '\n');
  for (const e of errors) process.stderr.write(e.message + '\n');
  return errors.length > 0 ? 2 : 0;
}
