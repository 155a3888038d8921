// Which kernel a run tested, as KCIDB's checkout (the source: a base and the
// patches on it) and build (that source configured and compiled). Ids are
// hashes of what identifies the kernel, so every run on the same kernel, from
// any results folder, names the same checkout and build and KCIDB merges them.
import { createHash } from 'node:crypto';
import type { TestrunResult } from '../../runner/results/igt.ts';
import { KERNEL_MANIFEST_KEY, parseKernelManifest, type KernelManifest } from '../../runner/results/kernel-manifest.ts';
import { ReportInputError } from '../errors.ts';
import { runInfo } from '../run-info.ts';
import type { KcidbBuild, KcidbCheckout } from './objects.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function objectId(origin: string, kind: string, identity: unknown): string {
  return `${origin}:${kind}-${sha256(JSON.stringify(identity)).slice(0, 20)}`;
}

/** KCIDB's patchset_hash: `sha256sum *.patch | cut -c-64 | sha256sum | cut -c-64`. */
export function patchsetHash(patches: KernelManifest['patches']): string {
  return patches.length ? sha256(patches.map((p) => `${p.sha256}\n`).join('')) : '';
}

function manifestOf(results: TestrunResult): KernelManifest | undefined {
  const text = results.metadata?.[KERNEL_MANIFEST_KEY];
  if (text === undefined) return undefined;
  const parsed = parseKernelManifest(text);
  if (!parsed.ok) throw new ReportInputError(`run ${results.name}: metadata "${KERNEL_MANIFEST_KEY}": ${parsed.error}`);
  return parsed.value;
}

// `uname -a`: "Linux HOST RELEASE VERSION… MACHINE [GNU/Linux]"; primeci's
// own uname line for the simulator and an un-booted native run says nothing.
function unameFields(uname: string): { release?: string; version?: string; machine?: string } {
  const m = /^Linux \S+ (\S+) (.*?)(?: (x86_64|i[3-6]86|aarch64|arm\w*|riscv64|ppc64le|s390x|mips\w*|loongarch64))?(?: GNU\/Linux)?$/.exec(
    uname.trim(),
  );
  return m ? { release: m[1], version: m[2] || undefined, machine: m[3] } : {};
}

/** The compiler named in /proc/version: "Linux version R (who@where) (COMPILER) #…". */
function compilerOf(procVersion: string | undefined): string | undefined {
  return procVersion && /^Linux version \S+ \([^)]*\) \((.*)\) #/.exec(procVersion)?.[1];
}

function simulatorObjects(origin: string, build: string, started: string | undefined) {
  const [profile = build, ...patches] = build.split('+');
  const checkout: KcidbCheckout = {
    id: objectId(origin, 'checkout', { simulator: build }),
    origin,
    comment: `primeci simulator: model of ${profile}${patches.length ? ` with ${patches.join(', ')}` : ''}`,
    valid: true,
    ...(started && { start_time: started }),
    misc: { simulator: true, profile, patches },
  };
  const kernelBuild: KcidbBuild = {
    id: objectId(origin, 'build', { simulator: build }),
    checkout_id: checkout.id,
    origin,
    comment: `primeci simulator, kernel model ${build}`,
    config_name: profile,
    status: 'PASS',
    misc: { simulator: true, build },
  };
  return { checkout, build: kernelBuild };
}

function gitFields(manifest: KernelManifest): Partial<KcidbCheckout> {
  const isGitUrl = manifest.source.startsWith('https://') && !/\s/.test(manifest.source) && URL.canParse(manifest.source);
  if (!isGitUrl) return { tree_name: manifest.source };
  return {
    git_repository_url: manifest.source,
    ...(/^[0-9a-f]{40}$/.test(manifest.version) ? { git_commit_hash: manifest.version } : { git_commit_name: manifest.version }),
  };
}

function kernelObjects(origin: string, results: TestrunResult, started: string | undefined) {
  const metadata = results.metadata ?? {};
  const uname = unameFields(results.uname);
  const release = metadata['kernel-release'] || uname.release;
  const version = metadata['kernel-version'] || uname.version;
  const manifest = manifestOf(results);
  const patches = manifest?.patches ?? [];
  const source = manifest
    ? { source: manifest.source, version: manifest.version, patchset_hash: patchsetHash(patches) }
    : release
      ? { release, version }
      : { build: runInfo(results).build };
  const describe = manifest
    ? `${manifest.source} ${manifest.version}${patches.length ? ` with ${patches.length} patch${patches.length > 1 ? 'es' : ''}` : ''}`
    : release
      ? `Linux ${release}`
      : `kernel ${runInfo(results).build} (its release was not recorded)`;
  const checkout: KcidbCheckout = {
    id: objectId(origin, 'checkout', source),
    origin,
    ...(manifest && gitFields(manifest)),
    ...(manifest && { patchset_hash: patchsetHash(patches) }),
    comment: describe,
    valid: true,
    ...(started && { start_time: started }),
    misc: { ...source, ...(manifest && { patches: manifest.patches }) },
  };
  const kernelBuild = metadata['kernel-build'];
  const compiler = compilerOf(metadata['kernel-version']);
  const build: KcidbBuild = {
    id: objectId(origin, 'build', { ...source, config: manifest?.config, kernelBuild, version }),
    checkout_id: checkout.id,
    origin,
    comment: [release, kernelBuild && `(${kernelBuild})`].filter(Boolean).join(' ') || describe,
    ...(uname.machine && { architecture: uname.machine }),
    ...(compiler && { compiler }),
    ...(manifest && { config_name: manifest.config }),
    // Tests ran on it: it was built.
    status: 'PASS',
    misc: {
      ...(release && { kernel_release: release }),
      ...(version && { kernel_version: version }),
      ...(kernelBuild && { kernel_build: kernelBuild }),
    },
  };
  return { checkout, build };
}

// A time JavaScript can print; a results.json may hold any number.
const MAX_DATE_MS = 8.64e15;
const isDate = (ms: number) => ms > 0 && ms <= MAX_DATE_MS;

/**
 * The checkout and build of the kernel under test: for the simulator its
 * build (`PROFILE+PATCH…`); for a real kernel the manifest of the kernel
 * builder when the run has one, else the release and version the VM recorded
 * (metadata.txt `kernel-release`, `kernel-version`, `kernel-build`) or uname.
 */
export function kernelUnderTest(origin: string, results: TestrunResult): { checkout: KcidbCheckout; build: KcidbBuild } {
  // primeci knows no checkout time: the run's start stands for it, as
  // dashboards list checkouts by their start time.
  const started = isDate(results.time_elapsed.start * 1000) ? new Date(results.time_elapsed.start * 1000).toISOString() : undefined;
  const info = runInfo(results);
  return info.backend === 'sim' ? simulatorObjects(origin, info.build, started) : kernelObjects(origin, results, started);
}
