// Run configuration: config/default.yaml, then ./primeci.config.yaml, then flags.
// Config files are validated like suites: an unknown key is an error at its line.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { InputError, YamlSource } from './scenario/source.ts';

export const MONITORS = ['lockdep', 'taint'] as const;
export type Monitor = (typeof MONITORS)[number];

/** Bounds of the numeric settings, the same in config files, flags and a saved run's settings.json. */
export const LIMITS = {
  workers: 1024,
  repeat: 10_000,
  /** The scheduler's PRNG takes 32 bits (backends/sim/chooser.ts). */
  seed: 2 ** 32 - 1,
  /** Node's timers take at most 2^31-1 ms; a longer one fires at once. */
  seconds: 2_147_483,
  /** KERN_EMERG (0) to KERN_DEBUG (7). */
  logLevel: 7,
} as const;

export const configSchema = z.strictObject({
  workers: z.number().int().min(0).max(LIMITS.workers),
  backend: z.enum(['sim', 'native']),
  profile: z.string().min(1),
  seed: z.number().int().min(0).max(LIMITS.seed),
  per_test_timeout: z.number().positive().max(LIMITS.seconds),
  overall_timeout: z.number().min(0).max(LIMITS.seconds),
  dmesg_warn_level: z.number().int().min(0).max(LIMITS.logLevel),
  piglit_style_dmesg: z.boolean(),
  abort_on_monitored_error: z.array(z.enum(MONITORS)),
  reporters: z.array(z.string().min(1)),
  results: z.string().min(1),
  repeat: z.number().int().min(1).max(LIMITS.repeat),
});

export type Config = z.infer<typeof configSchema>;

export const DEFAULT_CONFIG_FILE = fileURLToPath(new URL('../config/default.yaml', import.meta.url));
export const USER_CONFIG_FILE = 'primeci.config.yaml';

/** A config file's keys, checked; `partial` for override files. */
function readConfigFile(file: string, shown: string, partial: boolean): Partial<Config> {
  const src = YamlSource.parse(shown, undefined, file);
  const data = src.data() ?? {};
  const schema = partial ? configSchema.partial() : configSchema;
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw new InputError(
    parsed.error.issues.flatMap((issue) => {
      const path = issue.path as (string | number)[];
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((k) => src.diagnostic([...path, k], `unknown key '${k}' (known: ${Object.keys(configSchema.shape).join(', ')})`, true));
      }
      return [src.diagnostic(path, `${path.join('.') || 'config'}: ${issue.message}`)];
    }),
  );
}

/** The defaults overlaid by the working directory's primeci.config.yaml, if any. */
export function loadConfig(cwd = process.cwd()): Config {
  return loadConfigFiles(cwd).config;
}

export interface LoadedConfig {
  config: Config;
  /** The file a key's value came from, as shown in messages. */
  fileOf(key: keyof Config): string;
}

export function loadConfigFiles(cwd = process.cwd()): LoadedConfig {
  const defaults = readConfigFile(DEFAULT_CONFIG_FILE, 'config/default.yaml', false) as Config;
  const user = resolve(cwd, USER_CONFIG_FILE);
  const overrides = existsSync(user) ? readConfigFile(user, USER_CONFIG_FILE, true) : {};
  return {
    config: { ...defaults, ...overrides },
    fileOf: (key) => (Object.hasOwn(overrides, key) ? USER_CONFIG_FILE : 'config/default.yaml'),
  };
}
