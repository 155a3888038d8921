// The simulator's series: `--base BUILD --patch P1 --patch P2 ...` where each
// P is a kernel patch of config/kernels/patches/, so prefix k is the build
// BUILD+P1+...+Pk and a patch's subject is its summary. A --patch that is a
// build on top of the base (`BUILD+P1+P2`) stands for its patches; a single
// --patch naming any other build is a series of one step to that build.
import { parseBuild, patchSummary } from '../../backends/sim/profile.ts';
import { UsageError } from '../usage.ts';
import { primeciRun, selectionArgs } from './primeci-run.ts';
import type { SeriesSpec, SeriesTarget } from './target.ts';

interface Step {
  /** The build after this step. */
  build: string;
  subject: string;
}

function steps(base: string, patches: string[]): Step[] {
  const names: string[] = [];
  for (const value of patches) {
    const parts = value.startsWith(`${base}+`) ? value.slice(base.length + 1).split('+') : value.split('+');
    if (parts.every((name) => patchSummary(name) !== undefined)) {
      names.push(...parts);
    } else if (patches.length === 1 && parseBuild(value).ok) {
      return [{ build: value, subject: value }];
    } else {
      const unknown = parts.find((name) => patchSummary(name) === undefined);
      throw new UsageError(`primeci ci: --patch ${value}: '${unknown}' is not a kernel patch of config/kernels/patches/`);
    }
  }
  return names.map((name, i) => ({ build: [base, ...names.slice(0, i + 1)].join('+'), subject: patchSummary(name)! }));
}

function checkBuild(flag: string, build: string): void {
  const parsed = parseBuild(build);
  if (!parsed.ok) throw new UsageError(`primeci ci: ${flag} ${build}: ${parsed.error}`);
}

export async function simTarget(spec: SeriesSpec): Promise<SeriesTarget> {
  const series = steps(spec.base, spec.patches);
  // Every prefix applies fewer of the same patches in the same order, so it
  // is valid when the whole series is.
  checkBuild('--base', spec.base);
  checkBuild('--patch', series.at(-1)!.build);
  const describe = (prefix: number) => (prefix === 0 ? spec.base : series[prefix - 1]!.build);
  return {
    subjects: series.map((s) => s.subject),
    describe,
    run: (prefix, dir, tests) =>
      primeciRun(describe(prefix), dir, ['run', '--profile', describe(prefix), '--results', dir, ...selectionArgs(spec.selection, tests)]),
  };
}
