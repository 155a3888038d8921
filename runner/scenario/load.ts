// Finding and loading suite files. A bad file never stops the good ones.
import { existsSync, readdirSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Suite } from './model.ts';
import { parseSuite } from './parse.ts';
import { InputError, YamlSource } from './source.ts';

export const SUITES_DIR = fileURLToPath(new URL('../../suites/', import.meta.url));

export interface LoadResult {
  suites: Suite[];
  errors: InputError[];
}

/** `names` are suite names (prime_self_import) or paths to YAML files; none means every suite. */
export function suiteFiles(names: string[]): string[] {
  if (names.length === 0) {
    return readdirSync(SUITES_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => join(SUITES_DIR, f));
  }
  return names.map((n) => (n.endsWith('.yaml') || n.endsWith('.yml') || n.includes('/') ? resolve(n) : join(SUITES_DIR, `${n}.yaml`)));
}

/** A path as shown in messages: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

export function loadSuite(file: string): Suite {
  const shown = displayPath(file);
  if (!existsSync(file)) throw new InputError([{ file: shown, line: 1, col: 1, message: `no such suite file (suites are ${displayPath(SUITES_DIR)}*.yaml)` }]);
  const suite = parseSuite(YamlSource.parse(shown, undefined, file));
  if (suite.name !== basename(file).replace(/\.ya?ml$/, '')) {
    // IGT names results after the binary; a suite is named after its file so names cannot drift.
    throw new InputError([{ file: shown, line: 1, col: 1, message: `suite '${suite.name}' must be in a file named ${suite.name}.yaml` }]);
  }
  return suite;
}

export function loadSuites(files: string[]): LoadResult {
  const result: LoadResult = { suites: [], errors: [] };
  for (const file of files) {
    try {
      result.suites.push(loadSuite(file));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      result.errors.push(e);
    }
  }
  return result;
}
