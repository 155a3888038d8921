// Reading the kernel's own build description: which module links a source
// file (drivers/.../Makefile or Kbuild: `obj-$(CONFIG_X) += name.o`,
// `name-y := a.o b.o`, `name-$(CONFIG_Y) += c.o`) and how the kernel's config
// builds it (=m a module, =y built in, unset not at all).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';

/** CONFIG_X → y / m / a value, from a .config. */
export type KernelConfig = Map<string, string>;

export function readConfig(path: string): KernelConfig {
  const config: KernelConfig = new Map();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^(CONFIG_\w+)=(.*)$/.exec(line);
    if (m) config.set(m[1], m[2].replace(/^"(.*)"$/, '$1'));
  }
  return config;
}

export interface Assignment {
  /** The left side: obj-y, obj-$(CONFIG_DRM), drm-y, drm-$(CONFIG_COMPAT), drm-objs. */
  target: string;
  words: string[];
  /** The line as written (continuations joined), for a generated Kbuild. */
  line: string;
}

/** The assignments of a kbuild Makefile; continuation lines joined, comments dropped. */
export function readMakefile(path: string): Assignment[] {
  const text = readFileSync(path, 'utf8').replace(/\\\n/g, ' ');
  const out: Assignment[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^([\w$().-]+)\s*(:=|\+=|\?=|=)\s*(.*)$/.exec(line);
    if (m) out.push({ target: m[1], words: m[3].split(/\s+/).filter(Boolean), line });
  }
  return out;
}

/** The Makefile kbuild reads in a directory (Kbuild wins, as in scripts/Makefile.build). */
export function makefileOf(sourceDir: string, dir: string): string | undefined {
  for (const name of ['Kbuild', 'Makefile']) {
    if (existsSync(join(sourceDir, dir, name))) return join(sourceDir, dir, name);
  }
  return undefined;
}

/** y / m / n for an obj-… or name-… suffix: y, m, objs, or $(CONFIG_X). */
export function conditionOf(suffix: string, config: KernelConfig): { symbol?: string; value: 'y' | 'm' | 'n' } {
  if (suffix === 'y' || suffix === 'objs') return { value: 'y' };
  if (suffix === 'm') return { value: 'm' };
  const symbol = /^\$\((CONFIG_\w+)\)$/.exec(suffix)?.[1];
  if (!symbol) return { value: 'n' };
  const v = config.get(symbol);
  return { symbol, value: v === 'y' || v === 'm' ? v : 'n' };
}

/** A loadable module, or a piece of the kernel image, that links a file. */
export interface Linker {
  /** Module name (the .ko's basename) or, for built-in code, the object. */
  name: string;
  /** Kernel-relative directory of the Makefile that declares it. */
  dir: string;
  /** The config symbol on its obj- line (undefined for obj-y). */
  symbol?: string;
  /** How the config builds it. */
  built: 'y' | 'm' | 'n';
  /** Makefile lines that list its objects (for a generated Kbuild). */
  lines: string[];
  /** Its objects, relative to `dir`, as listed (any condition). */
  objects: string[];
}

const suffixOf = (target: string, name: string) => target.slice(name.length + 1);

/** The linkers declared in one directory's Makefile. */
export function linkersIn(sourceDir: string, dir: string, config: KernelConfig): Linker[] {
  const makefile = makefileOf(sourceDir, dir);
  if (!makefile) return [];
  const assignments = readMakefile(makefile);
  const linkers: Linker[] = [];
  for (const a of assignments) {
    if (!a.target.startsWith('obj-')) continue;
    const cond = conditionOf(a.target.slice(4), config);
    for (const word of a.words) {
      if (!word.endsWith('.o')) continue;
      const name = word.slice(0, -2);
      const parts = assignments.filter((p) => p.target.startsWith(`${name}-`) && /^(y|m|objs|\$\(CONFIG_\w+\))$/.test(suffixOf(p.target, name)));
      linkers.push({
        name,
        dir,
        symbol: cond.symbol,
        built: cond.value,
        lines: parts.map((p) => p.line),
        objects: parts.length ? parts.flatMap((p) => p.words.filter((w) => w.endsWith('.o'))) : [word],
      });
    }
  }
  return linkers;
}

/** Who links `file` (kernel-relative .c/.S): the linkers of its directory or,
 * for a composite listing `sub/file.o`, of a parent directory. */
export function linkersOf(sourceDir: string, file: string, config: KernelConfig): Linker[] {
  const object = file.replace(/\.[cS]$/, '.o');
  for (let dir = posix.dirname(file); dir !== '.'; dir = posix.dirname(dir)) {
    const rel = posix.relative(dir, object);
    const found = linkersIn(sourceDir, dir, config).filter((l) => l.objects.includes(rel));
    if (found.length) return found;
    if (!existsSync(join(sourceDir, dirname(join(dir, 'x'))))) break;
  }
  return [];
}
