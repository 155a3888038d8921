// Kernel builds: `PROFILE[+PATCH]...`. Profiles (config/kernels/*.yaml) and
// patches (config/kernels/patches/*.yaml) are data: sets of behaviour switches
// read by the kernel paths exactly where kernel versions differ. A profile may
// inherit another; patches apply in order. Two patches setting one switch to
// different values contradict each other, unless the later one declares that
// it fixes the earlier.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

export const SWITCHES = z.strictObject({
  release: z.string().describe('uname -r of the modelled kernel'),
  dma_buf_mmap_locking: z.enum(['none', 'core', 'exporter'])
    .describe('who takes the dma_resv lock around dma-buf mmap/vmap: nobody (<=6.1), the dma-buf core (6.2), the exporter'),
  dma_buf_vmap_lock: z.enum(['dmabuf_lock', 'resv'])
    .describe('what dma_buf_vmap / vunmap hold around the exporter: dmabuf->lock (<=6.1) or the dma_resv lock (6.2+, dma_buf_vmap_unlocked)'),
  shmem_lock: z.enum(['pages_lock', 'resv'])
    .describe('what guards drm-shmem pages and vmap: its own pages_lock mutex, or the dma_resv lock'),
  shmem_free_takes_resv: z.boolean()
    .describe('drm_gem_shmem_free takes the dma_resv lock (rather than only asserting it is unshared)'),
  shmem_shrinker: z.boolean().describe('drm-shmem registers a memory shrinker that evicts under the dma_resv lock'),
  vgem_import_shmem_backing: z.boolean()
    .describe('vgem gives imported objects their own shmemfs backing (importer mmap shows its own pages)'),
  dma_buf_poll: z.enum(['legacy', 'reworked'])
    .describe('dma_buf_poll: exclusive/shared fence logic before 5.14, or the usage-based rework'),
  prime_helpers_struct_mutex: z.boolean()
    .describe('the PRIME helpers take dev->struct_mutex in map_dma_buf / vmap'),
  drm_show_fdinfo: z.boolean()
    .describe('DRM files print drm-driver / drm-client-id in fdinfo (drm_show_fdinfo, 6.5+)'),
  vmap_refcount: z.enum(['driver', 'core']).describe('who counts vmap users: each driver, or the dma-buf core'),
  fault_injection: z.enum(['none', 'export-leaks-dma-buf', 'sync-flags-unchecked', 'sync-skips-wait', 'poll-ignores-fences', 'sw-sync-signals-early'])
    .describe('a deliberately wrong kernel path (fault-injection patches only, never a real build), to prove the scenarios catch it'),
});

export type Switches = z.infer<typeof SWITCHES>;

const PROFILE_FILE = z.strictObject({
  profile: z.string(),
  summary: z.string(),
  inherits: z.string().optional(),
  switches: SWITCHES.partial(),
});

const PATCH_FILE = z.strictObject({
  patch: z.string(),
  summary: z.string(),
  /** The upstream commit or mailing-list thread the patch models. */
  models: z.string(),
  /** Patches this one corrects: it may set their switches to other values. */
  fixes: z.array(z.string()).default([]),
  switches: SWITCHES.omit({ release: true }).partial(),
});

type ProfileFile = z.infer<typeof PROFILE_FILE>;
type PatchFile = z.infer<typeof PATCH_FILE>;

export interface Build {
  /** The build's name as written, e.g. linux-6.2+drm-shmem-resv-lock. */
  name: string;
  profile: string;
  patches: string[];
  switches: Switches;
}

export type BuildResult = ({ ok: true } & Build) | { ok: false; error: string };

const KERNELS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../config/kernels');

interface Catalogue {
  profiles: Map<string, ProfileFile>;
  patches: Map<string, PatchFile>;
}

let catalogue: Catalogue | { error: string } | undefined;

function loadDir<T extends { [k: string]: unknown }>(
  dir: string,
  schema: z.ZodType<T>,
  key: keyof T,
): Map<string, T> | { error: string } {
  const out = new Map<string, T>();
  for (const entry of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    const path = join(dir, entry);
    let parsed: z.ZodSafeParseResult<T>;
    try {
      parsed = schema.safeParse(parse(readFileSync(path, 'utf8')));
    } catch (e) {
      return { error: `${path}: ${(e as Error).message}` };
    }
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { error: `${path}: ${issue.path.join('.') || '(top)'}: ${issue.message}` };
    }
    const name = String(parsed.data[key]);
    if (name !== basename(entry, '.yaml')) return { error: `${path}: names ${name}, expected ${basename(entry, '.yaml')}` };
    out.set(name, parsed.data);
  }
  return out;
}

function load(): Catalogue | { error: string } {
  if (catalogue) return catalogue;
  const profiles = loadDir(KERNELS_DIR, PROFILE_FILE, 'profile');
  if ('error' in profiles) return (catalogue = profiles as { error: string });
  const patches = loadDir(join(KERNELS_DIR, 'patches'), PATCH_FILE, 'patch');
  if ('error' in patches) return (catalogue = patches as { error: string });
  return (catalogue = { profiles: profiles as Map<string, ProfileFile>, patches: patches as Map<string, PatchFile> });
}

function resolveProfile(cat: Catalogue, name: string, seen: string[] = []): Switches | string {
  const file = cat.profiles.get(name);
  if (!file) return `unknown kernel profile '${name}' (known: ${[...cat.profiles.keys()].join(', ')})`;
  if (seen.includes(name)) return `kernel profile '${name}' inherits itself (${[...seen, name].join(' -> ')})`;
  let base: Partial<Switches> = {};
  if (file.inherits) {
    const parent = resolveProfile(cat, file.inherits, [...seen, name]);
    if (typeof parent === 'string') return parent;
    base = parent;
  }
  const merged = SWITCHES.safeParse({ ...base, ...file.switches });
  if (!merged.success) {
    return `kernel profile '${name}' leaves switch '${merged.error.issues[0].path.join('.')}' unset`;
  }
  return merged.data;
}

/** A kernel patch's one-line summary (its subject when it is a patch of a series); undefined for an unknown patch. */
export function patchSummary(name: string): string | undefined {
  const cat = load();
  return 'error' in cat ? undefined : cat.patches.get(name)?.summary;
}

/** Parse and check `PROFILE[+PATCH]...` against config/kernels. */
export function parseBuild(build: string): BuildResult {
  const cat = load();
  if ('error' in cat) return { ok: false, error: `kernel configuration: ${cat.error}` };
  const [profile, ...patches] = build.split('+');
  const base = resolveProfile(cat, profile);
  if (typeof base === 'string') return { ok: false, error: base };
  const switches: Switches = { ...base };
  const setBy = new Map<string, string>();
  for (const name of patches) {
    const patch = cat.patches.get(name);
    if (!patch) return { ok: false, error: `unknown kernel patch '${name}' (known: ${[...cat.patches.keys()].join(', ')})` };
    if (patches.indexOf(name) !== patches.lastIndexOf(name)) return { ok: false, error: `kernel patch '${name}' is applied twice` };
    for (const [key, value] of Object.entries(patch.switches)) {
      const earlier = setBy.get(key);
      const earlierValue = earlier && cat.patches.get(earlier)!.switches[key as keyof PatchFile['switches']];
      if (earlier && earlierValue !== value && !patch.fixes.includes(earlier)) {
        return { ok: false, error: `kernel patches '${earlier}' and '${name}' contradict each other: they set ${key} to ${earlierValue} and ${value}` };
      }
      setBy.set(key, name);
      (switches as Record<string, unknown>)[key] = value;
    }
  }
  return { ok: true, name: build, profile, patches, switches };
}
