// A run's settings: the config files overlaid by the command line. They are
// saved in the results folder so `--resume` continues with exactly the same.
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { LIMITS, MONITORS, loadConfigFiles, type Config } from './config.ts';
import { SELECTION_OPTIONS, integer, parse } from './options.ts';
import { parseShard } from './plan.ts';
import { displayPath, suiteFiles } from './scenario/load.ts';
import { UsageError } from './usage.ts';

export const settingsSchema = z.object({
  suites: z.array(z.string()),
  include: z.array(z.string()),
  exclude: z.array(z.string()),
  testList: z.string().optional(),
  blocklist: z.string().optional(),
  shard: z.object({ index: z.number().int().min(1), count: z.number().int().min(1) }).optional(),
  repeat: z.number().int().min(1).max(LIMITS.repeat),
  backend: z.enum(['sim', 'native']),
  build: z.string().min(1),
  seed: z.number().int().min(0).max(LIMITS.seed),
  workers: z.number().int().min(1).max(LIMITS.workers),
  perTestTimeout: z.number().positive().max(LIMITS.seconds),
  overallTimeout: z.number().min(0).max(LIMITS.seconds),
  dmesg: z.object({ warnLevel: z.number().int().min(0).max(LIMITS.logLevel), piglitStyle: z.boolean(), emulated: z.boolean().optional() }),
  abortOn: z.array(z.enum(MONITORS)),
  reporters: z.array(z.string()),
});

export type RunSettings = z.infer<typeof settingsSchema>;

export const RUN_OPTIONS = {
  ...SELECTION_OPTIONS,
  'test-list': { type: 'string' },
  blocklist: { type: 'string', short: 'b' },
  shard: { type: 'string' },
  repeat: { type: 'string' },
  results: { type: 'string' },
  resume: { type: 'string' },
  workers: { type: 'string', short: 'j' },
  backend: { type: 'string' },
  profile: { type: 'string' },
  seed: { type: 'string' },
  'per-test-timeout': { type: 'string' },
  'overall-timeout': { type: 'string' },
  'dmesg-warn-level': { type: 'string' },
  'piglit-style-dmesg': { type: 'boolean' },
  'abort-on-monitored-error': { type: 'string' },
  reporter: { type: 'string', multiple: true },
  verbose: { type: 'boolean', short: 'v' },
} as const;

export interface RunCommand {
  settings: RunSettings;
  /** The run's results folder. */
  dir: string;
  /** Continue the run in `dir` instead of starting one. */
  resume: boolean;
  verbose: boolean;
  /** Who gave a setting, to name in a message: its flag, the config file that
   * set it, or the resumed run's settings.json. `value` picks one reporter. */
  origin(setting: 'profile' | 'reporters' | 'results', value?: string): string;
}

/** `--abort-on-monitored-error` alone means every monitor, as in igt_runner. */
function normaliseArgv(argv: string[]): string[] {
  return argv.map((a) => (a === '--abort-on-monitored-error' ? '--abort-on-monitored-error=all' : a));
}

function monitors(value: string | undefined, config: Config): RunSettings['abortOn'] {
  if (value === undefined) return config.abort_on_monitored_error;
  if (value === 'all') return [...MONITORS];
  const names = value.split(',').filter((n) => n.length > 0);
  for (const n of names) {
    if (!(MONITORS as readonly string[]).includes(n)) {
      throw new UsageError(`--abort-on-monitored-error ${value}: unknown monitor '${n}' (known: ${MONITORS.join(', ')}, all)`);
    }
  }
  return names as RunSettings['abortOn'];
}

function seconds(flag: string, value: string | undefined, fallback: number, allowZero: boolean): number {
  if (value === undefined) return fallback;
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !allowZero) || n > LIMITS.seconds) {
    throw new UsageError(`${flag} ${JSON.stringify(value)}: expected seconds ${allowZero ? '≥ 0' : '> 0'} and at most ${LIMITS.seconds}`);
  }
  return n;
}

/** A folder flag given as '' would otherwise mean the working directory. */
function folder(flag: string, value: string, cwd: string): string {
  if (value.trim() === '') throw new UsageError(`${flag} ${JSON.stringify(value)}: expected a folder`);
  return resolve(cwd, value);
}

export function parseRunCommand(argv: string[], cwd = process.cwd()): RunCommand {
  const { values, positionals } = parse('run', normaliseArgv(argv), RUN_OPTIONS);
  const verbose = values.verbose ?? false;
  if (values.resume !== undefined) {
    const others = Object.keys(values).filter((k) => !['resume', 'verbose'].includes(k));
    if (others.length > 0 || positionals.length > 0) {
      throw new UsageError(`primeci run --resume takes no other options (the run keeps its own): ${others.map((o) => '--' + o).join(' ')}`);
    }
    const dir = folder('--resume', values.resume, cwd);
    const settings = readSettings(dir);
    const file = displayPath(join(dir, SETTINGS_FILE));
    const key = { profile: 'build', reporters: 'reporters', results: 'results' } as const;
    return { settings, dir, resume: true, verbose, origin: (setting) => `${file}: ${key[setting]}` };
  }
  const { config, fileOf } = loadConfigFiles(cwd);
  const flags = { profile: values.profile, reporters: values.reporter, results: values.results };
  const origin: RunCommand['origin'] = (setting, value) => {
    const given = flags[setting];
    const fromFlag = given !== undefined && (value === undefined || !Array.isArray(given) || given.includes(value));
    return fromFlag ? `--${setting === 'reporters' ? 'reporter' : setting}` : `${fileOf(setting)}: ${setting}`;
  };
  const build = values.profile ?? config.profile;
  const workers = integer('--workers', values.workers, config.workers, 0, LIMITS.workers);
  const settings: RunSettings = {
    suites: suiteFiles(positionals),
    include: values['include-tests'] ?? [],
    exclude: values['exclude-tests'] ?? [],
    ...(values['test-list'] !== undefined && { testList: resolve(cwd, values['test-list']) }),
    ...(values.blocklist !== undefined && { blocklist: resolve(cwd, values.blocklist) }),
    ...(values.shard !== undefined && { shard: parseShard(values.shard) }),
    repeat: integer('--repeat', values.repeat, config.repeat, 1, LIMITS.repeat),
    backend: (values.backend ?? config.backend) as RunSettings['backend'],
    build,
    seed: integer('--seed', values.seed, config.seed, 0, LIMITS.seed),
    workers: workers === 0 ? availableParallelism() : workers,
    perTestTimeout: seconds('--per-test-timeout', values['per-test-timeout'], config.per_test_timeout, false),
    overallTimeout: seconds('--overall-timeout', values['overall-timeout'], config.overall_timeout, true),
    dmesg: {
      warnLevel: integer('--dmesg-warn-level', values['dmesg-warn-level'], config.dmesg_warn_level, 0, LIMITS.logLevel),
      piglitStyle: values['piglit-style-dmesg'] ?? config.piglit_style_dmesg,
      // Set by vm/command.ts's guest script: this run's kernel is primeci's QEMU guest.
      emulated: process.env.PRIMECI_GUEST === 'tcg' || undefined,
    },
    abortOn: monitors(values['abort-on-monitored-error'], config),
    reporters: [...config.reporters, ...(values.reporter ?? [])],
  };
  if (!['sim', 'native'].includes(settings.backend)) {
    throw new UsageError(`--backend ${settings.backend}: unknown backend (choose sim or native)`);
  }
  const dir = values.results !== undefined
    ? folder('--results', values.results, cwd)
    : resolve(cwd, config.results, `${timestamp()}-${build.replaceAll('+', '_')}`);
  return { settings, dir, resume: false, verbose, origin };
}

const SETTINGS_FILE = 'settings.json';

export function writeSettings(dir: string, settings: RunSettings): void {
  writeFileSync(join(dir, SETTINGS_FILE), JSON.stringify(settings, null, 2) + '\n');
}

export function readSettings(dir: string): RunSettings {
  const file = join(dir, SETTINGS_FILE);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--resume ${dir}: cannot read ${file}: ${(e as Error).message}`);
  }
  const parsed = settingsSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`--resume ${dir}: ${file} is not a primeci run's settings: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  return parsed.data;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '').replace('T', '-').slice(0, 17);
}
