// Where primeci keeps what it downloads and builds: one cache root per user
// ($PRIMECI_CACHE, else $XDG_CACHE_HOME/primeci, else ~/.cache/primeci), so a
// second run on the same machine compiles nothing.
import { homedir } from 'node:os';
import { join } from 'node:path';

export type Env = Record<string, string | undefined>;

export function cacheRoot(env: Env = process.env): string {
  if (env.PRIMECI_CACHE) return env.PRIMECI_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'primeci');
}

/** .ci/install-vm.sh's folder: Debian's packaged kernel and the initramfs cache. */
export function vmCacheDir(env: Env = process.env): string {
  return env.PRIMECI_VM_CACHE || join(cacheRoot(env), 'vm');
}

/** Pristine kernel sources, extracted once. */
export const sourcesDir = (env: Env = process.env) => join(cacheRoot(env), 'src');
/** Persistent build folders (object files kept for incremental builds). */
export const workDir = (env: Env = process.env) => join(cacheRoot(env), 'kernels', 'work');
/** Finished kernel folders, named by the hash of everything that went into them. */
export const kernelsDir = (env: Env = process.env) => join(cacheRoot(env), 'kernels', 'out');
