// Kernel sources a build starts from: Debian's linux-source-6.1 (the tarball
// the package installs, extracted once into the cache) or a tree of the
// user's own. A source has an id (names its build folders) and a state (what
// its files are now: part of every cache key).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { KernelBuildError } from './errors.ts';
import { sourcesDir, type Env } from './paths.ts';

export interface KernelSource {
  /** debian-<package version> or tree-<hash of the path>: names the persistent build folders. */
  id: string;
  dir: string;
  /** make kernelversion, read from the top Makefile. */
  version: string;
  /** What the files are now (package version, or git HEAD + local changes). */
  state: string;
  /** Debian's source matches the packaged kernel: only it has a module path. */
  debian: boolean;
}

export const DEBIAN_SOURCE = 'debian-6.1';
const DEBIAN_PACKAGE = 'linux-source-6.1';
const DEBIAN_TARBALL = '/usr/src/linux-source-6.1.tar.xz';
const READY = '.primeci-ready';

function run(cmd: string, args: string[], cwd?: string) {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

/** VERSION.PATCHLEVEL.SUBLEVEL from the top Makefile. */
export function kernelVersion(dir: string): string | undefined {
  const makefile = join(dir, 'Makefile');
  if (!existsSync(makefile)) return undefined;
  const text = readFileSync(makefile, 'utf8').split('\n', 8).join('\n');
  const field = (name: string) => new RegExp(`^${name} = (\\S*)`, 'm').exec(text)?.[1];
  const [v, p, s] = [field('VERSION'), field('PATCHLEVEL'), field('SUBLEVEL')];
  if (!v || !p || s === undefined) return undefined;
  return `${v}.${p}.${s}${field('EXTRAVERSION') ?? ''}`;
}

/** Debian's source, extracted into the cache on first use (about 30 s). */
function debianSource(env: Env): KernelSource {
  const query = run('dpkg-query', ['-W', '-f=${Version}', DEBIAN_PACKAGE]);
  if (query.status !== 0 || !existsSync(DEBIAN_TARBALL)) {
    throw new KernelBuildError(`--source ${DEBIAN_SOURCE}: ${DEBIAN_PACKAGE} is not installed: run .ci/install-kernel-build.sh`);
  }
  const packageVersion = query.stdout.trim();
  const dir = join(sourcesDir(env), 'linux-source-6.1');
  const ready = join(dir, READY);
  if (!existsSync(ready) || readFileSync(ready, 'utf8').trim() !== packageVersion) {
    const partial = `${dir}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    const tar = run('tar', ['-xJf', DEBIAN_TARBALL, '-C', partial, '--strip-components=1']);
    if (tar.status !== 0) {
      rmSync(partial, { recursive: true, force: true });
      throw new KernelBuildError(`extracting ${DEBIAN_TARBALL}: ${tar.stderr.trim()}`);
    }
    writeFileSync(join(partial, READY), packageVersion + '\n');
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
  }
  // The package version names the build folders: a new upload starts them afresh.
  return { id: `debian-${packageVersion}`, dir, version: kernelVersion(dir)!, state: `${DEBIAN_PACKAGE}=${packageVersion}`, debian: true };
}

/** git HEAD plus a hash of the local changes, or (no git) of every file's size and mtime. */
function treeState(dir: string): string {
  const head = run('git', ['-C', dir, 'rev-parse', 'HEAD']);
  if (head.status === 0) {
    const diff = run('git', ['-C', dir, 'diff', 'HEAD', '--binary']);
    const untracked = run('git', ['-C', dir, 'ls-files', '--others', '--exclude-standard']);
    const hash = createHash('sha256').update(diff.stdout).update(untracked.stdout).digest('hex').slice(0, 16);
    return `git:${head.stdout.trim()}+${hash}`;
  }
  const hash = createHash('sha256');
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        const st = statSync(path);
        hash.update(`${relative(dir, path)}:${st.size}:${st.mtimeMs}\n`);
      }
    }
  };
  walk(dir);
  return `files:${hash.digest('hex').slice(0, 16)}`;
}

/** --source debian-6.1 (the default) or a kernel tree. */
export function resolveSource(spec: string | undefined, env: Env = process.env): KernelSource {
  if (spec === undefined || spec === DEBIAN_SOURCE) return debianSource(env);
  const dir = resolve(spec);
  const version = existsSync(dir) && statSync(dir).isDirectory() ? kernelVersion(dir) : undefined;
  if (!version) throw new KernelBuildError(`--source ${spec}: not a kernel tree (no Makefile with VERSION/PATCHLEVEL/SUBLEVEL), and not '${DEBIAN_SOURCE}'`);
  if (existsSync(join(dir, '.config')) || existsSync(join(dir, 'include', 'config'))) {
    throw new KernelBuildError(`--source ${spec}: the tree has been configured in place (.config): primeci builds out of tree (O=); run 'make mrproper' there first`);
  }
  const id = `tree-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`;
  return { id, dir, version, state: treeState(dir), debian: false };
}
