// A kernel folder: what `primeci kernel build` leaves and `primeci vm
// --kernel-dir` boots. manifest.json says what went into it, so results can
// name the kernel under test (source, config, each patch) and the cache can
// trust a folder that has one: it is written last, into a staging folder that
// is renamed into place only when the build succeeded.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { Resolved } from './resolved.ts';

export const MANIFEST = 'manifest.json';

export const PatchRecord = z.object({
  /** The file the patch came from, as given. */
  file: z.string(),
  subject: z.string(),
  sha256: z.string(),
  /** Paths (relative to the kernel tree) the diff touches. */
  files: z.array(z.string()),
});
export type PatchRecord = z.infer<typeof PatchRecord>;

export const KernelManifest = z.object({
  format: z.literal(1),
  /** packaged: Debian's as shipped (+ the extra modules); modules: Debian's
   * kernel with the modules a patch touches rebuilt; full: vmlinux + modules
   * from the source with the repo's config. */
  kind: z.enum(['modules', 'full']),
  /** Hash of every input: the folder's name in the cache. */
  key: z.string(),
  /** uname -r of the booted kernel. */
  release: z.string(),
  source: z.object({ id: z.string(), version: z.string(), path: z.string() }),
  config: z.object({
    /** Debian's config file (module path) or the fragments merged onto tinyconfig (full path). */
    files: z.array(z.string()),
    lockdep: z.boolean(),
    sha256: z.string(),
  }),
  patches: z.array(PatchRecord),
  /** Modules built for this folder and why (an extra Debian lacks, or a patched file). */
  modules: z.array(z.object({ name: z.string(), path: z.string(), why: z.string() })),
  /** Relative to the folder. */
  image: z.string(),
  modulesRoot: z.string(),
  log: z.string(),
  built: z.string(),
  seconds: z.number(),
});
export type KernelManifest = z.infer<typeof KernelManifest>;

export interface KernelFolder {
  dir: string;
  manifest: KernelManifest;
  image: string;
  modulesRoot: string;
}

export function kernelFolder(dir: string, manifest: KernelManifest): KernelFolder {
  return { dir, manifest, image: join(dir, manifest.image), modulesRoot: join(dir, manifest.modulesRoot) };
}

/** A finished kernel folder, or why DIR is not one. */
export function readKernelFolder(dir: string): Resolved<KernelFolder> {
  const abs = resolve(dir);
  const file = join(abs, MANIFEST);
  if (!existsSync(file)) return { ok: false, error: `${dir}: not a kernel folder (no ${MANIFEST}; make one with primeci kernel build)` };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return { ok: false, error: `${file}: not JSON (${(e as Error).message})` };
  }
  const parsed = KernelManifest.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `${file}: ${issue.path.join('.') || '(top)'}: ${issue.message}` };
  }
  const folder = kernelFolder(abs, parsed.data);
  for (const path of [folder.image, join(folder.modulesRoot, 'lib', 'modules', parsed.data.release, 'modules.dep')]) {
    if (!existsSync(path)) return { ok: false, error: `${file}: ${path} is missing` };
  }
  return { ok: true, value: folder };
}

/** One line naming a kernel folder, for logs and results metadata. */
export function describeKernel(m: KernelManifest): string {
  const patches = m.patches.length ? ` + ${m.patches.length} patch${m.patches.length > 1 ? 'es' : ''}` : '';
  return `primeci-${m.kind}:${m.source.id}${m.config.lockdep ? '+lockdep' : ''}${patches} (${m.key})`;
}
