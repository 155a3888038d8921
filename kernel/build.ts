// `primeci kernel build`: a kernel folder for a source and a series of
// patches, by the module path (Debian's kernel, the touched modules rebuilt)
// or the full path (a whole kernel, with lockdep if asked). Everything that
// goes in is hashed into the folder's name, so the same input never compiles
// twice; a folder is renamed into place only when complete.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KernelBuildError } from './errors.ts';
import { extraModules } from './extras.ts';
import { buildFull, fragmentsFor, installFull } from './full.ts';
import { readConfig } from './kbuild.ts';
import { withBuildLock } from './lock.ts';
import { MANIFEST, kernelFolder, readKernelFolder, type KernelFolder, type KernelManifest, type PatchRecord } from './manifest.ts';
import { buildModule, planModules, type BuiltModule, type ModuleJob } from './modules.ts';
import { packagedKernel, type PackagedKernel } from './packaged.ts';
import { applyPatches, patchRecord, type KernelPatch } from './patch.ts';
import { kernelsDir, workDir, type Env } from './paths.ts';
import { resolveSource, type KernelSource } from './source.ts';

/** Bumped when the builder's output for the same input changes. */
const BUILDER_VERSION = 1;

export interface BuildRequest {
  /** debian-6.1 (default) or a kernel tree. */
  source?: string;
  patches: readonly KernelPatch[];
  /** A whole kernel instead of Debian's with modules swapped. */
  full?: boolean;
  /** PROVE_LOCKING and DEBUG_ATOMIC_SLEEP (implies full). */
  lockdep?: boolean;
  progress?: (line: string) => void;
  env?: Env;
}

export interface BuildResult {
  folder: KernelFolder;
  /** True when the folder came from the cache: nothing compiled. */
  cached: boolean;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

function hashJobs(jobs: readonly ModuleJob[]): string {
  return sha256(JSON.stringify(jobs.map((j) => [j.name, j.dir, j.kbuild, j.renames ?? {}, j.adaptation?.sha256 ?? ''])));
}

/** Debian's kernel with rebuilt modules: hard links to the packaged tree, the
 * rebuilt .ko files swapped in (never written through a link), depmod. */
function assembleModules(folder: string, packaged: PackagedKernel, built: readonly BuiltModule[]): void {
  const release = packaged.release;
  const from = join(packaged.modulesRoot, 'lib', 'modules', release);
  const to = join(folder, 'root', 'lib', 'modules', release);
  mkdirSync(join(folder, 'root', 'lib', 'modules'), { recursive: true });
  if (spawnSync('cp', ['-al', from, to]).status !== 0 && spawnSync('cp', ['-a', from, to]).status !== 0) {
    throw new KernelBuildError(`cannot copy ${from} into ${to}`);
  }
  // depmod rewrites its index files: give them inodes of their own first.
  for (const f of readdirSync(to).filter((f) => f.startsWith('modules.'))) {
    const data = readFileSync(join(to, f));
    unlinkSync(join(to, f));
    writeFileSync(join(to, f), data);
  }
  const installed = new Map<string, string>();
  for (const line of readFileSync(join(to, 'modules.dep'), 'utf8').split('\n')) {
    const path = line.split(':')[0];
    if (path) installed.set(path.replace(/^.*\//, '').replace(/\.ko$/, '').replace(/-/g, '_'), path);
  }
  for (const m of built) {
    const path = join(to, installed.get(m.name.replace(/-/g, '_')) ?? join('extra', `${m.name}.ko`));
    mkdirSync(join(path, '..'), { recursive: true });
    rmSync(path, { force: true });
    copyFileSync(m.ko, path);
  }
  const depmod = spawnSync('depmod', ['-b', join(folder, 'root'), release], { encoding: 'utf8' });
  if (depmod.status !== 0) throw new KernelBuildError(`depmod -b ${join(folder, 'root')} ${release}: ${depmod.stderr.trim()}`);
  try {
    linkSync(packaged.image, join(folder, 'vmlinux'));
  } catch {
    copyFileSync(packaged.image, join(folder, 'vmlinux'));
  }
}

/** The file names that patch `records` touch, with the patch that touches each. */
function blame(records: readonly PatchRecord[], files: readonly string[]): string {
  return files
    .map((f) => {
      const r = records.find((p) => p.files.includes(f));
      return r ? `${f} (${r.file}: "${r.subject}")` : f;
    })
    .join(', ');
}

interface Plan {
  key: string;
  kind: KernelManifest['kind'];
  configFiles: string[];
  configHash: string;
  build: (folder: string, log: string) => Promise<{ release: string; modules: KernelManifest['modules'] }>;
}

function modulePlan(source: KernelSource, req: BuildRequest, records: PatchRecord[], progress: (l: string) => void, env: Env): Plan {
  const packaged = packagedKernel();
  if (!packaged.ok) throw new KernelBuildError(packaged.error);
  const headers = `/usr/src/linux-headers-${packaged.value.release}`;
  if (!existsSync(join(headers, 'Makefile'))) {
    throw new KernelBuildError(`${headers} is missing: run .ci/install-kernel-build.sh (the out-of-tree build tree of the packaged kernel)`);
  }
  const config = readConfig(packaged.value.config);
  const extras = extraModules(source.version);
  // Planning needs only the touched paths; applying waits for a cache miss.
  const plan = planModules(source.dir, [...new Set(records.flatMap((r) => r.files))], config, extras);
  if (plan.builtIn.length) {
    throw new KernelBuildError(
      `the module path rebuilds modules only, and ${blame(records, plan.builtIn)} ${plan.builtIn.length > 1 ? 'are' : 'is'} built into ` +
        `Debian's kernel image (or may be included by code that is): build a whole kernel with --full (or --lockdep)`,
    );
  }
  if (plan.ignored.length) progress(`not built by Debian's kernel, so no module to rebuild: ${plan.ignored.join(', ')}`);
  // Extras first, in their file's order (a module after those it needs), each once.
  const jobs = [...extras.map((e) => plan.jobs.find((j) => j.name === e.name) ?? e), ...plan.jobs.filter((j) => !extras.some((e) => e.name === j.name))];
  const configText = readFileSync(packaged.value.config);
  const key = sha256(
    JSON.stringify({ v: BUILDER_VERSION, kind: 'modules', source: source.state, packaged: packaged.value.package, jobs: hashJobs(jobs), patches: req.patches.map((p) => p.sha256) }),
  ).slice(0, 20);
  return {
    key,
    kind: 'modules',
    configFiles: [packaged.value.config],
    configHash: sha256(configText),
    build: async (folder, log) => {
      const patched = applyPatches(source.dir, req.patches, `${source.id} (${source.version})`);
      const workRoot = join(workDir(env), `${source.id}-modules`);
      const built = await withBuildLock(workRoot, (pid) => progress(`waiting for another build (pid ${pid}) in ${workRoot}`), () =>
        jobs.reduce<BuiltModule[]>((done, job) => [...done, buildModule(job, { sourceDir: source.dir, headers, workRoot, patched, log, progress }, done)], []),
      );
      assembleModules(folder, packaged.value, built);
      return { release: packaged.value.release, modules: built.map((m) => ({ name: m.name, path: m.ko, why: m.why })) };
    },
  };
}

function fullPlan(source: KernelSource, req: BuildRequest, progress: (l: string) => void, env: Env): Plan {
  const lockdep = req.lockdep ?? false;
  const fragments = fragmentsFor(lockdep);
  const configHash = sha256(fragments.map((f) => readFileSync(f, 'utf8')).join('\n'));
  const key = sha256(JSON.stringify({ v: BUILDER_VERSION, kind: 'full', source: source.state, configHash, patches: req.patches.map((p) => p.sha256) })).slice(0, 20);
  return {
    key,
    kind: 'full',
    configFiles: fragments,
    configHash,
    build: async (folder, log) => {
      const patched = applyPatches(source.dir, req.patches, `${source.id} (${source.version})`);
      const work = join(workDir(env), `${source.id}-${lockdep ? 'lockdep' : 'plain'}`);
      return withBuildLock(work, (pid) => progress(`waiting for another build (pid ${pid}) in ${work}`), () => {
        const ctx = { source, patched, lockdep, work, log, progress };
        const built = buildFull(ctx);
        installFull(ctx, built, folder);
        return { release: built.release, modules: [] };
      });
    },
  };
}

export async function buildKernel(req: BuildRequest): Promise<BuildResult> {
  const env = req.env ?? process.env;
  const progress = req.progress ?? (() => {});
  const started = Date.now();
  const source = resolveSource(req.source, env);
  // Only Debian's source matches the packaged kernel the module path patches.
  const full = req.full || req.lockdep || !source.debian;
  if (full && !req.full && !req.lockdep) progress(`${source.dir} is not Debian's source: building a whole kernel`);
  const records = req.patches.map(patchRecord);
  const plan = full ? fullPlan(source, req, progress, env) : modulePlan(source, req, records, progress, env);
  const dir = join(kernelsDir(env), plan.key);
  const cached = readKernelFolder(dir);
  if (cached.ok) {
    progress(`cached: ${dir}`);
    return { folder: cached.value, cached: true };
  }
  mkdirSync(kernelsDir(env), { recursive: true });
  const log = join(kernelsDir(env), `${plan.key}.log`);
  writeFileSync(log, `primeci kernel build ${plan.kind} ${source.id} ${records.map((r) => r.file).join(' ')}\n`);
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const { release, modules } = await plan.build(staging, log);
    const manifest: KernelManifest = {
      format: 1,
      kind: plan.kind,
      key: plan.key,
      release,
      source: { id: source.id, version: source.version, path: source.dir },
      config: { files: plan.configFiles, lockdep: req.lockdep ?? false, sha256: plan.configHash },
      patches: records,
      modules,
      image: 'vmlinux',
      modulesRoot: 'root',
      log,
      built: new Date().toISOString(),
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
    writeFileSync(join(staging, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
    return { folder: kernelFolder(dir, manifest), cached: false };
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}

/** A kernel folder copied out of the cache (`-o DIR`): hard links where possible. */
export function exportKernelFolder(folder: KernelFolder, output: string): KernelFolder {
  const to = resolve(output);
  if (existsSync(to) && readdirSync(to).length) throw new KernelBuildError(`-o ${output}: exists and is not empty`);
  rmSync(to, { recursive: true, force: true });
  if (spawnSync('cp', ['-al', folder.dir, to]).status !== 0 && spawnSync('cp', ['-a', folder.dir, to]).status !== 0) {
    throw new KernelBuildError(`-o ${output}: cannot copy ${folder.dir} there`);
  }
  return kernelFolder(to, folder.manifest);
}
