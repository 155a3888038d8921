// Run configuration: config/default.yaml, then ./primeci.config.yaml, then flags.
// Config files are validated like suites: an unknown key is an error at its line.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { InputError, YamlSource } from './scenario/source.ts';

export const MONITORS = ['lockdep', 'taint'] as const;
export type Monitor = (typeof MONITORS)[number];

export const configSchema = z.strictObject({
  workers: z.number().int().min(0),
  backend: z.enum(['sim', 'native']),
  profile: z.string().min(1),
  seed: z.number().int().min(0),
  per_test_timeout: z.number().positive(),
  overall_timeout: z.number().min(0),
  dmesg_warn_level: z.number().int().min(0).max(7),
  piglit_style_dmesg: z.boolean(),
  abort_on_monitored_error: z.array(z.enum(MONITORS)),
  reporters: z.array(z.string().min(1)),
  results: z.string().min(1),
  repeat: z.number().int().min(1),
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
  const defaults = readConfigFile(DEFAULT_CONFIG_FILE, 'config/default.yaml', false) as Config;
  const user = resolve(cwd, USER_CONFIG_FILE);
  return existsSync(user) ? { ...defaults, ...readConfigFile(user, USER_CONFIG_FILE, true) } : defaults;
}
