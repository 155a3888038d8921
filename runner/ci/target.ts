// What a per-patch check runs on: the kernel of each prefix of a series. The
// simulator builds `BASE+P1+...+Pk` from config/kernels; a native target
// builds real kernels from patch files and runs them in a VM. The check
// itself (runner/ci/check-series.ts) knows nothing of either.
import { UsageError } from '../usage.ts';

/** The tests every run of a check selects, as `primeci run` takes them. */
export interface RunSelection {
  suites: string[];
  /** -t and -x regexes. */
  include: string[];
  exclude: string[];
  workers?: string;
  seed?: string;
}

/** A series as given on the command line: `primeci ci --base BASE --patch P1 --patch P2 ...`. */
export interface SeriesSpec {
  base: string;
  /** At least one, in the order they apply; what each names is the target's business. */
  patches: string[];
  selection: RunSelection;
}

export interface SeriesTarget {
  /** Each patch's subject, in order: the series has `subjects.length` patches. */
  readonly subjects: readonly string[];
  /** The build of prefix k (0: the base, n: the whole series), as reports name it. */
  describe(prefix: number): string;
  /**
   * Builds prefix k and runs the selection, or only the named tests, into the
   * results directory `dir` (which must not exist yet) with an HTML report.
   * Failing tests are results; a build or run that cannot finish throws a
   * UsageError saying why.
   */
  run(prefix: number, dir: string, tests: readonly string[] | 'all'): Promise<void>;
}

/** One factory per `--backend`; each lives in its own file, loaded only when chosen. */
const TARGETS: Record<string, (spec: SeriesSpec) => Promise<SeriesTarget>> = {
  sim: async (spec) => (await import('./sim-target.ts')).simTarget(spec),
};

export const TARGET_NAMES = Object.keys(TARGETS);

export async function seriesTarget(backend: string, spec: SeriesSpec): Promise<SeriesTarget> {
  const make = TARGETS[backend];
  if (!make) throw new UsageError(`primeci ci: --backend ${backend}: no per-patch check for it (choose ${TARGET_NAMES.join(', ')})`);
  return make(spec);
}
