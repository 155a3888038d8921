// The module path: a patch's touched files → the modules that link them (the
// kernel's Makefiles and Debian's config decide) → each module rebuilt out of
// tree against Debian's headers (`make -C /usr/src/linux-headers-R M=DIR`) in
// a persistent folder, so an unchanged module recompiles nothing.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { KernelBuildError } from './errors.ts';
import { linkersOf, readMakefile, makefileOf, type KernelConfig, type Linker } from './kbuild.ts';
import { applyPatches, type KernelPatch } from './patch.ts';
import { syncTree, type Contents } from './tree.ts';

/** One module to build out of tree. */
export interface ModuleJob {
  name: string;
  /** Kernel-relative directory holding its Makefile (M= points there). */
  dir: string;
  /** The Kbuild file written into that directory. */
  kbuild: string;
  /** Extra files for the build folder: kernel-relative path → source file it copies (a rename). */
  renames?: Record<string, string>;
  /** Applied after the user's patches: what an out-of-tree build of this module needs. */
  adaptation?: KernelPatch;
  /** Why it is built: shown in the manifest. */
  why: string;
  /** Kernel-relative sources it compiles, when known (the extras say). */
  sources?: string[];
  /** Modules of the same build whose symbols it uses (their Module.symvers). */
  needs?: string[];
}

/** Which modules a series needs rebuilt, or what stops the module path. */
export interface ModulePlan {
  jobs: ModuleJob[];
  /** Touched files that no module of this kernel links (docs, tools, code the config leaves out). */
  ignored: string[];
  /** Touched files built into the kernel image: the module path cannot carry them. */
  builtIn: string[];
}

const IGNORED_TOP = ['Documentation/', 'tools/', 'samples/', 'LICENSES/', 'MAINTAINERS', 'CREDITS', 'README'];

/** The Kbuild of an out-of-tree build of a module its Makefile declares. */
export function kbuildFor(sourceDir: string, linker: Linker): string {
  const makefile = makefileOf(sourceDir, linker.dir)!;
  const flags = readMakefile(makefile).filter((a) => /^(ccflags|asflags|CFLAGS_|AFLAGS_|subdir-ccflags)/.test(a.target));
  return [`obj-m += ${linker.name}.o`, ...linker.lines, ...flags.map((a) => a.line)].join('\n') + '\n';
}

/** Source files in `dir` that include a header named `header` ("name.h"). */
function includers(sourceDir: string, dir: string, header: string): string[] {
  const abs = join(sourceDir, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs)
    .filter((f) => /\.[cS]$/.test(f))
    .filter((f) => readFileSync(join(abs, f), 'utf8').includes(`"${header}"`))
    .map((f) => posix.join(dir, f));
}

/**
 * Maps touched files to module rebuilds. `extras` are modules this builder
 * adds to Debian's kernel (its config leaves them out): a patch to their
 * sources rebuilds them like any module.
 */
export function planModules(sourceDir: string, files: readonly string[], config: KernelConfig, extras: readonly ModuleJob[]): ModulePlan {
  const plan: ModulePlan = { jobs: [], ignored: [], builtIn: [] };
  const add = (job: ModuleJob) => {
    if (!plan.jobs.some((j) => j.name === job.name)) plan.jobs.push(job);
  };
  const linkSources = (file: string, sources: string[]) => {
    let linked = false;
    for (const source of sources) {
      const extra = extras.find((e) => e.sources?.includes(source));
      if (extra) {
        add({ ...extra, why: `${extra.why}; links ${file}` });
        linked = true;
        continue;
      }
      for (const linker of linkersOf(sourceDir, source, config)) {
        if (linker.built === 'y') {
          if (!plan.builtIn.includes(file)) plan.builtIn.push(file);
          linked = true;
        } else if (linker.built === 'm') {
          add({ name: linker.name, dir: linker.dir, kbuild: kbuildFor(sourceDir, linker), why: `links ${file}` });
          linked = true;
        }
      }
    }
    if (!linked && !plan.builtIn.includes(file)) plan.ignored.push(file);
  };
  for (const file of files) {
    if (IGNORED_TOP.some((p) => file.startsWith(p))) plan.ignored.push(file);
    else if (/\.[cS]$/.test(file)) linkSources(file, [file]);
    else if (file.endsWith('.h') && !/^(include|arch)\//.test(file)) {
      // A driver's private header: the files of its directory that include it.
      linkSources(file, includers(sourceDir, posix.dirname(file), posix.basename(file)));
    } else {
      // Public headers, Kconfig, Makefiles: anything may depend on them.
      plan.builtIn.push(file);
    }
  }
  return plan;
}

/** Every regular file of a directory (kernel-relative), and of the subdirectories its objects live in. */
function moduleFiles(sourceDir: string, dir: string, kbuild: string): string[] {
  const dirs = new Set([dir]);
  for (const m of kbuild.matchAll(/([\w./-]+)\/[\w-]+\.o\b/g)) dirs.add(posix.join(dir, m[1]));
  const files: string[] = [];
  for (const d of dirs) {
    const abs = join(sourceDir, d);
    if (!existsSync(abs)) continue;
    for (const f of readdirSync(abs)) if (statSync(join(abs, f)).isFile()) files.push(posix.join(d, f));
  }
  return files;
}

export interface BuiltModule {
  name: string;
  ko: string;
  why: string;
}

export interface ModuleBuildContext {
  sourceDir: string;
  /** Debian's out-of-tree build tree: /usr/src/linux-headers-RELEASE. */
  headers: string;
  /** Persistent folder for this source's module builds. */
  workRoot: string;
  /** The user's patches, applied before each module's adaptation. */
  patched: Contents;
  log: string;
  progress: (line: string) => void;
}

/** Builds one module out of tree (after `done`, which holds what it needs); returns its .ko. */
export function buildModule(job: ModuleJob, ctx: ModuleBuildContext, done: readonly BuiltModule[]): BuiltModule {
  const tree = join(ctx.workRoot, job.name);
  const want: Contents = new Map();
  for (const file of moduleFiles(ctx.sourceDir, job.dir, job.kbuild)) {
    want.set(file, ctx.patched.get(file) ?? readFileSync(join(ctx.sourceDir, file)));
  }
  for (const [file, contents] of ctx.patched) if (file.startsWith(job.dir + '/')) want.set(file, contents);
  if (job.adaptation) {
    for (const [file, contents] of applyPatches(ctx.sourceDir, [job.adaptation], `${job.name}'s sources`, want)) want.set(file, contents);
  }
  for (const [to, from] of Object.entries(job.renames ?? {})) want.set(to, want.get(from) ?? null);
  const moduleDir = join(tree, job.dir);
  for (const [file, contents] of want) {
    // drm_trace.h and friends name their folder relative to the kernel tree's
    // include/trace; out of tree it is this build folder.
    if (contents && file.endsWith('.h') && contents.includes('#define TRACE_INCLUDE_PATH')) {
      const text = contents.toString('utf8').replace(/^#define TRACE_INCLUDE_PATH .*$/m, `#define TRACE_INCLUDE_PATH ${join(tree, posix.dirname(file))}`);
      want.set(file, Buffer.from(text));
    }
  }
  want.set(posix.join(job.dir, 'Kbuild'), Buffer.from(job.kbuild));
  const changed = syncTree(tree, ctx.sourceDir, want, join(ctx.workRoot, `${job.name}.files.json`));
  ctx.progress(`module ${job.name}: ${changed.length ? `${changed.length} file(s) changed, compiling` : 'up to date'}`);
  appendFileSync(ctx.log, `\n== make M=${moduleDir} modules (${job.name}: ${job.why})\n`);
  const symbols = (job.needs ?? []).map((name) => {
    const need = done.find((m) => m.name === name);
    if (!need) throw new KernelBuildError(`module ${job.name} needs ${name}, which is not built before it`);
    return join(dirname(need.ko), 'Module.symvers');
  });
  const extraSymbols = symbols.length ? [`KBUILD_EXTRA_SYMBOLS=${symbols.join(' ')}`] : [];
  const make = spawnSync('make', ['-C', ctx.headers, `M=${moduleDir}`, ...extraSymbols, `-j${availableParallelism()}`, 'modules'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  appendFileSync(ctx.log, make.stdout + make.stderr);
  const ko = join(moduleDir, `${job.name}.ko`);
  if (make.status !== 0 || !existsSync(ko)) {
    const errors = (make.stdout + make.stderr).split('\n').filter((l) => /error|Error/.test(l)).slice(0, 8).join('\n');
    throw new KernelBuildError(`building module ${job.name} (${job.why}) failed:\n${errors}\nbuild log: ${ctx.log}`);
  }
  return { name: job.name, ko, why: job.why };
}
