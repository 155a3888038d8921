// primeci run: select jobs, execute them on a backend, write results/<run>/, summarise.
import { hostname } from 'node:os';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { formatConsoleSummary } from '../../reporters/console.ts';
import { loadBackend } from '../backends.ts';
import { execute } from '../execute.ts';
import { SELECTION_OPTIONS, integer, parse } from '../options.ts';
import { DEFAULT_DMESG_RULES } from '../results/dmesg.ts';
import type { Status } from '../results/igt.ts';
import { selectTests } from '../select.ts';
import { UsageError } from '../usage.ts';
import { PRIMECI_VERSION } from '../version.ts';

const RUN_OPTIONS = {
  ...SELECTION_OPTIONS,
  results: { type: 'string' },
  workers: { type: 'string', short: 'j' },
  backend: { type: 'string' },
  profile: { type: 'string' },
  seed: { type: 'string' },
  'per-test-timeout': { type: 'string' },
  'dmesg-warn-level': { type: 'string' },
  'piglit-style-dmesg': { type: 'boolean' },
} as const;

/** Statuses that make a run (and the CLI) fail. */
const FAILING: ReadonlySet<Status> = new Set(['fail', 'crash', 'timeout', 'incomplete', 'abort', 'dmesg-warn', 'dmesg-fail', 'warn']);

export default async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse('run', argv, RUN_OPTIONS);
  const backendName = values.backend ?? 'sim';
  const build = values.profile ?? 'mainline';
  const seed = integer('--seed', values.seed, 1);
  const workers = integer('--workers', values.workers, availableParallelism(), 1);
  const perTestTimeout = values['per-test-timeout'] === undefined ? undefined : integer('--per-test-timeout', values['per-test-timeout'], 0, 1);
  const dmesg = {
    warnLevel: integer('--dmesg-warn-level', values['dmesg-warn-level'], DEFAULT_DMESG_RULES.warnLevel),
    piglitStyle: values['piglit-style-dmesg'] ?? false,
  };
  const backend = await loadBackend(backendName);
  if (backendName === 'sim') {
    const { parseBuild } = await import('../../backends/sim/index.ts');
    const parsed = parseBuild(build);
    if (!parsed.ok) throw new UsageError(`--profile ${build}: ${parsed.error}`);
  }
  const { jobs, errors } = selectTests(positionals, values['include-tests'], values['exclude-tests']);
  for (const e of errors) process.stderr.write(e.message + '\n');
  if (jobs.length === 0) {
    process.stderr.write('primeci run: no tests selected\n');
    return errors.length > 0 ? 2 : 0;
  }
  const name = `${timestamp()}-${build.replaceAll('+', '_')}`;
  const dir = resolve(values.results ?? join('results', name));
  const results = await execute({
    dir,
    jobs,
    backend: backend.name,
    session: { build, seed },
    workers,
    ...(perTestTimeout !== undefined && { perTestTimeout }),
    dmesg,
    uname: `primeci ${backend.name} ${build}`,
    metadata: {
      name,
      build,
      backend: backend.name,
      host: `${backend.name}-${hostname()}`,
      seed: String(seed),
      'primeci-version': PRIMECI_VERSION,
      cmdline: JSON.stringify(['primeci', 'run', ...argv]),
    },
    onJobEnd(done, total, job, end, seconds) {
      const width = String(total).length;
      const status = end.kind === 'done' ? end.verdict : end.kind;
      const [, suite, ...rest] = job.name.split('@');
      process.stdout.write(`[${String(done).padStart(width, '0')}/${total}] ${suite} (${rest.join('@')}) ${status} (${seconds.toFixed(3)}s)\n`);
    },
  });
  process.stdout.write('\n' + formatConsoleSummary(results) + '\n');
  process.stdout.write(`Results: ${join(dir, 'results.json')}\n`);
  if (errors.length > 0) return 2;
  return Object.values(results.tests).some((t) => FAILING.has(t.result)) ? 1 : 0;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '').replace('T', '-').slice(0, 17);
}
