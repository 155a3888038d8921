// The part of KCIDB I/O schema v5.3 (kernelci/kcidb-io, kcidb_io/schema/
// v05_03.py) that primeci writes: one checkout, one build, a test per result.
// Every id is `ORIGIN:…`, unique among that origin's objects of its type.

export const KCIDB_VERSION = { major: 5, minor: 3 } as const;

/** KCIDB's statuses, highest priority first. */
export type KcidbStatus = 'FAIL' | 'ERROR' | 'MISS' | 'PASS' | 'DONE' | 'SKIP';

/** The source tested: a base (package, tag or commit) and the patches applied to it. */
export interface KcidbCheckout {
  id: string;
  origin: string;
  tree_name?: string;
  git_repository_url?: string;
  git_commit_hash?: string;
  git_commit_name?: string;
  /** sha256 over each patch's sha256 and a newline, in order; '' for no patches. */
  patchset_hash?: string;
  comment?: string;
  start_time?: string;
  valid?: boolean;
  misc?: Record<string, unknown>;
}

export interface KcidbBuild {
  id: string;
  checkout_id: string;
  origin: string;
  comment?: string;
  architecture?: string;
  compiler?: string;
  config_name?: string;
  status?: KcidbStatus;
  misc?: Record<string, unknown>;
}

export interface KcidbTest {
  id: string;
  build_id: string;
  origin: string;
  /** Dot-separated, each part `[a-zA-Z0-9_-]+`: `igt.prime_vgem.sync.rcs0`. */
  path: string;
  status: KcidbStatus;
  comment?: string;
  environment?: { comment?: string; misc?: Record<string, unknown> };
  /** At most 16384 characters, no NUL. */
  log_excerpt?: string;
  duration?: number;
  misc?: Record<string, unknown>;
}

export interface KcidbData {
  version: typeof KCIDB_VERSION;
  checkouts: KcidbCheckout[];
  builds: KcidbBuild[];
  tests: KcidbTest[];
}
