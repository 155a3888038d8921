// The real kernel's series: prefix k is the kernel `primeci kernel build`
// makes from the source and the first k patches (the module path by
// default, a whole kernel with --full or --lockdep), booted in QEMU to run
// the selection natively. Builds come from the kernel cache: a prefix built
// once, by this check or an earlier one, never compiles again.
import { buildKernel } from '../../kernel/build.ts';
import { KernelBuildError } from '../../kernel/errors.ts';
import { describeKernel } from '../../kernel/manifest.ts';
import type { SeriesPatch } from '../../kernel/series.ts';
import { UsageError } from '../usage.ts';
import { primeciRun, selectionArgs } from './primeci-run.ts';
import type { SeriesTarget } from './target.ts';

export interface NativeSeries {
  /** debian-6.1 (default) or a kernel tree. */
  source?: string;
  full: boolean;
  lockdep: boolean;
  patches: readonly SeriesPatch[];
}

export function nativeTarget(spec: { base: string; selection: Parameters<typeof selectionArgs>[0] }, series: NativeSeries): SeriesTarget {
  const n = series.patches.length;
  const describe = (prefix: number) => (prefix === 0 ? spec.base : `${spec.base}+patch-${prefix}-of-${n}`);
  return {
    subjects: series.patches.map((p) => p.subject),
    describe,
    run: async (prefix, dir, tests) => {
      let kernelDir: string;
      try {
        const { folder, cached } = await buildKernel({
          source: series.source,
          patches: series.patches.slice(0, prefix),
          full: series.full,
          lockdep: series.lockdep,
          progress: (line) => process.stderr.write(`primeci ci: ${describe(prefix)}: ${line}\n`),
        });
        process.stderr.write(`primeci ci: ${describe(prefix)}: ${cached ? 'from the cache' : 'built'}: ${describeKernel(folder.manifest)}\n`);
        kernelDir = folder.dir;
      } catch (e) {
        if (e instanceof KernelBuildError) throw new UsageError(`primeci ci: ${describe(prefix)}: ${e.message}`);
        throw e;
      }
      await primeciRun(describe(prefix), dir, ['vm', '--kernel-dir', kernelDir, '--build', describe(prefix), '--', 'run', '--results', dir, ...selectionArgs(spec.selection, tests)]);
    },
  };
}
