// Who ran a results directory: the build under test, the host and the backend,
// from primeci's metadata, igt_runner's metadata.txt, or failing those uname.
import type { TestrunResult } from '../runner/results/igt.ts';

export interface RunInfo {
  /** The kernel build, e.g. `linux-6.2+drm-shmem-resv-lock`, or the run's name. */
  build: string;
  host: string;
  backend?: string;
}

export function runInfo(results: TestrunResult): RunInfo {
  const metadata = results.metadata ?? {};
  // uname -a: "Linux <nodename> <release> ..."
  const unameHost = results.uname.split(/\s+/)[1];
  return {
    build: metadata.build || results.name,
    host: metadata.host || unameHost || 'unknown-host',
    backend: metadata.backend,
  };
}
