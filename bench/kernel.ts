// Kernel builds and real-kernel checks (issues 10 and 11): what a developer
// waits for. Module-path builds are measured cold in a scratch cache (the
// extracted source shared, build folders empty) and again from the cache;
// the lockdep kernel incrementally in the user's cache, and cold only with
// PRIMECI_BENCH_FULL_COLD=1 (about 11 minutes on 2 idle cores). Skipped with
// the reason when the kernel-build packages or the VM are missing.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { sourcesDir, vmCacheDir } from '../kernel/paths.ts';
import { vmUnavailable } from '../vm/availability.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/primeci.js');
const fixture = (name: string) => join(ROOT, 'test/fixtures/kernel', name);

async function timed(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ s: number; stdout: string }> {
  const started = performance.now();
  const run = await execa('node', [BIN, ...args], { cwd: ROOT, reject: false, env: { ...env, CI: 'true' } });
  if (run.exitCode !== 0 && run.exitCode !== 1) throw new Error(`primeci ${args.join(' ')}: exit ${run.exitCode}: ${String(run.stderr).slice(-500)}`);
  return { s: (performance.now() - started) / 1000, stdout: String(run.stdout) };
}

const folder = (stdout: string) => stdout.trim().split('\n').at(-1)!;

/** A one-line comment in vgem_drv.c that no earlier run built: the cache cannot have it. */
function uniquePatch(dir: string): string {
  const file = 'drivers/gpu/drm/vgem/vgem_drv.c';
  const [a, b, c] = readFileSync(join(sourcesDir(), 'linux-source-6.1', file), 'utf8').split('\n');
  const mail = [
    'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001',
    'From: primeci bench <bench@primeci.invalid>',
    `Subject: [PATCH] drm/vgem: bench ${Date.now()}`,
    '',
    '---',
    `diff --git a/${file} b/${file}`,
    `--- a/${file}`,
    `+++ b/${file}`,
    '@@ -1,3 +1,4 @@',
    ` ${a}`,
    `+/* primeci bench ${Date.now()} */`,
    ` ${b}`,
    ` ${c}`,
    '',
  ].join('\n');
  const path = join(dir, 'bench.patch');
  writeFileSync(path, mail);
  return path;
}

export async function benchKernel(): Promise<Record<string, number>> {
  const why = vmUnavailable();
  if (why) throw new Error(`skipped: ${why}`);
  const figures: Record<string, number> = {};
  const scratch = mkdtempSync(join(tmpdir(), 'primeci-bench-kernel-'));
  try {
    // A scratch cache sharing the extracted source and the packaged kernel.
    const cold = { ...process.env, PRIMECI_CACHE: join(scratch, 'cache'), PRIMECI_VM_CACHE: vmCacheDir() };
    mkdirSync(join(scratch, 'cache'), { recursive: true });
    symlinkSync(sourcesDir(), join(scratch, 'cache', 'src'));
    figures['default_kernel_extras_cold_s'] = (await timed(['kernel', 'build'], cold)).s;
    figures['module_path_one_file_cold_s'] = (await timed(['kernel', 'build', '--patch', fixture('vgem-accept-pad.patch')], cold)).s;
    figures['module_path_one_file_cached_s'] = (await timed(['kernel', 'build', '--patch', fixture('vgem-accept-pad.patch')], cold)).s;

    if (process.env.PRIMECI_BENCH_FULL_COLD === '1') {
      figures['full_lockdep_cold_s'] = (await timed(['kernel', 'build', '--lockdep'], cold)).s;
    }
    // Incremental: a one-line vgem patch never built before, on the warm lockdep build folder.
    await timed(['kernel', 'build', '--lockdep']);
    figures['full_lockdep_incremental_one_file_s'] = (await timed(['kernel', 'build', '--lockdep', '--patch', uniquePatch(scratch)])).s;

    const boot = async (label: string, kernelArgs: string[]) => {
      figures[`vm_boot_and_one_subtest_${label}_s`] = (await timed(['vm', ...kernelArgs, '--', 'run', '-t', 'vgem_basic@create$', '--results', join(scratch, label)])).s;
    };
    await boot('default', []);
    await boot('module_path', ['--kernel-dir', folder((await timed(['kernel', 'build', '--patch', fixture('vgem-accept-pad.patch')])).stdout)]);
    await boot('full_lockdep', ['--kernel-dir', folder((await timed(['kernel', 'build', '--lockdep'])).stdout)]);

    // Issue 11's goal: a one-file module patch checked end to end, builds cached, two boots.
    const check = ['ci', '--native', '--patch', fixture('vgem-accept-pad.patch'), 'vgem_basic', 'prime_self_import', 'dmabuf_sync_file'];
    await timed([...check, '--results-root', join(scratch, 'ci-warm')]);
    figures['ci_native_one_file_patch_cached_s'] = (await timed([...check, '--results-root', join(scratch, 'ci')])).s;
    return figures;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
