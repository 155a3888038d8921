// The full path: vmlinux and modules from the source with the repo's config
// (tinyconfig + kernel/config/vm.fragment, + lockdep.fragment), in a
// persistent build folder per source and flavour, so the next patch
// recompiles only what it changed.
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KernelBuildError } from './errors.ts';
import type { KernelSource } from './source.ts';
import { syncTree, type Contents } from './tree.ts';

export const FRAGMENTS = {
  vm: fileURLToPath(new URL('./config/vm.fragment', import.meta.url)),
  lockdep: fileURLToPath(new URL('./config/lockdep.fragment', import.meta.url)),
};

export function fragmentsFor(lockdep: boolean): string[] {
  return lockdep ? [FRAGMENTS.vm, FRAGMENTS.lockdep] : [FRAGMENTS.vm];
}

export interface FullBuildContext {
  source: KernelSource;
  /** The source files the patches change (from applyPatches). */
  patched: Contents;
  lockdep: boolean;
  /** Persistent folder: src/ (a hard-linked copy of the source) and obj/ (O=). */
  work: string;
  log: string;
  progress: (line: string) => void;
}

function step(ctx: FullBuildContext, what: string, cmd: string, args: string[], cwd: string): string {
  appendFileSync(ctx.log, `\n== ${what}: ${cmd} ${args.join(' ')}\n`);
  const run = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
  appendFileSync(ctx.log, run.stdout + run.stderr);
  if (run.status !== 0) {
    const errors = (run.stdout + run.stderr).split('\n').filter((l) => /error|Error|No space/.test(l)).slice(0, 8).join('\n');
    throw new KernelBuildError(`${what} failed${errors ? `:\n${errors}` : ''}\nbuild log: ${ctx.log}`);
  }
  return run.stdout;
}

/** A copy of the source to patch: hard links (no space, a second), else a real copy. */
function copySource(ctx: FullBuildContext, src: string): void {
  const marker = join(ctx.work, 'source-state');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === ctx.source.state && existsSync(src)) return;
  ctx.progress(`copying ${ctx.source.dir} into the build folder`);
  rmSync(src, { recursive: true, force: true });
  rmSync(join(ctx.work, 'patched-files.json'), { force: true });
  mkdirSync(ctx.work, { recursive: true });
  if (spawnSync('cp', ['-al', ctx.source.dir, src]).status !== 0) {
    rmSync(src, { recursive: true, force: true });
    step(ctx, 'copying the source', 'cp', ['-a', ctx.source.dir, src], ctx.work);
  }
  rmSync(join(src, '.git'), { recursive: true, force: true });
  writeFileSync(marker, ctx.source.state);
}

/** (Re)configures obj/ when the fragments changed; checks no option was dropped. */
function configure(ctx: FullBuildContext, src: string, obj: string): void {
  const fragments = fragmentsFor(ctx.lockdep);
  const wanted = fragments.map((f) => readFileSync(f, 'utf8')).join('\n');
  const marker = join(obj, '.primeci-fragments');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === wanted && existsSync(join(obj, '.config'))) return;
  ctx.progress('configuring (tinyconfig + kernel/config fragments)');
  mkdirSync(obj, { recursive: true });
  step(ctx, 'make tinyconfig', 'make', [`O=${obj}`, 'tinyconfig'], src);
  step(ctx, 'merge_config.sh', join(src, 'scripts/kconfig/merge_config.sh'), ['-m', '-O', obj, join(obj, '.config'), ...fragments], src);
  step(ctx, 'make olddefconfig', 'make', [`O=${obj}`, 'olddefconfig'], src);
  const config = new Set(readFileSync(join(obj, '.config'), 'utf8').split('\n'));
  const dropped = wanted.split('\n').filter((l) => /^CONFIG_\w+=/.test(l) && !config.has(l));
  if (dropped.length) {
    throw new KernelBuildError(`the kernel config dropped ${dropped.join(', ')} (a dependency is missing in ${fragments.join(', ')}); build log: ${ctx.log}`);
  }
  writeFileSync(marker, wanted);
}

export interface FullBuild {
  obj: string;
  src: string;
  release: string;
  config: string;
}

export function buildFull(ctx: FullBuildContext): FullBuild {
  const src = join(ctx.work, 'src');
  const obj = join(ctx.work, 'obj');
  copySource(ctx, src);
  const changed = syncTree(src, ctx.source.dir, ctx.patched, join(ctx.work, 'patched-files.json'));
  if (changed.length) ctx.progress(`patched sources: ${changed.join(', ')}`);
  configure(ctx, src, obj);
  ctx.progress(`make vmlinux modules (-j${availableParallelism()}; log: ${ctx.log})`);
  step(ctx, 'make vmlinux modules', 'make', [`O=${obj}`, `-j${availableParallelism()}`, 'vmlinux', 'modules'], src);
  const release = step(ctx, 'make kernelrelease', 'make', ['-s', `O=${obj}`, 'kernelrelease'], src).trim();
  return { obj, src, release, config: join(obj, '.config') };
}

/** Copies the image and installs the modules (depmod included) into a kernel folder. */
export function installFull(ctx: FullBuildContext, build: FullBuild, folder: string): void {
  copyFileSync(join(build.obj, 'vmlinux'), join(folder, 'vmlinux'));
  step(ctx, 'make modules_install', 'make', [`O=${build.obj}`, `INSTALL_MOD_PATH=${join(folder, 'root')}`, 'modules_install'], build.src);
}
