// The IGT subtests docs/coverage.md accounts for: every subtest of the nine
// binaries primeci mirrors, as igt_runner names them (igt@binary@subtest and,
// for dynamic subtests, @dynamic). Read from igt-gpu-tools' tests/ (HEAD Oct
// 2025); kept independent of suites/ so a subtest nobody mirrored still shows.

/** IGT's dynamic subtests are named after the machine's engines or memory regions; these are an integrated Intel GPU's. */
const ENGINES = ['rcs0', 'bcs0', 'vcs0', 'vecs0'];

export interface IgtBinary {
  binary: string;
  /** Where IGT keeps the source. */
  source: string;
  /** Subtest names; a dynamic subtest lists its dynamic names. */
  subtests: { name: string; dynamic?: string[] }[];
}

const plain = (...names: string[]) => names.map((name) => ({ name }));
const perEngine = (...names: string[]) => names.map((name) => ({ name, dynamic: ENGINES }));
/** prime_mmap names each dynamic subtest "<test>-<region>". */
const perRegion = (...names: string[]) => names.map((name) => ({ name, dynamic: [`${name}-smem`] }));

export const IGT_CATALOGUE: IgtBinary[] = [
  {
    binary: 'prime_self_import',
    source: 'tests/intel/prime_self_import.c',
    subtests: plain(
      'basic-with_one_bo', 'basic-with_one_bo_two_files', 'basic-with_two_bos', 'basic-with_fd_dup',
      'export-vs-gem_close-race', 'reimport-vs-gem_close-race', 'basic-llseek-size', 'basic-llseek-bad',
    ),
  },
  {
    binary: 'prime_mmap',
    source: 'tests/intel/prime_mmap.c',
    subtests: perRegion(
      'test_correct', 'test_map_unmap', 'test_reprime', 'test_forked', 'test_correct_cpu_write',
      'test_forked_cpu_write', 'test_refcounting', 'test_dup', 'test_userptr', 'test_errors',
      'test_invalid_sync_flags', 'test_aperture_limit',
    ),
  },
  {
    binary: 'prime_vgem',
    source: 'tests/prime_vgem.c',
    subtests: [
      ...plain('basic-read', 'basic-write', 'basic-gtt', 'basic-blt', 'shrink', 'coherency-gtt', 'coherency-blt'),
      ...perEngine('sync', 'busy', 'wait'),
      ...plain(
        'basic-fence-read', 'basic-fence-mmap', 'basic-fence-blt', 'basic-fence-flip',
        'fence-read-hang', 'fence-write-hang', 'fence-flip-hang',
      ),
      ...perEngine('fence-wait'),
    ],
  },
  {
    binary: 'prime_busy',
    source: 'tests/intel/prime_busy.c',
    subtests: perEngine('before', 'before-wait', 'after', 'after-wait', 'hang', 'hang-wait'),
  },
  {
    binary: 'vgem_basic',
    source: 'tests/vgem_basic.c',
    subtests: plain(
      'unload', 'setversion', 'second-client', 'create', 'mmap', 'bad-flag', 'bad-pad', 'bad-handle',
      'bad-fence', 'busy-fence', 'dmabuf-export', 'dmabuf-mmap', 'dmabuf-fence', 'dmabuf-fence-before',
      'sysfs', 'debugfs',
    ),
  },
  { binary: 'vgem_slow', source: 'tests/vgem_slow.c', subtests: plain('nohang') },
  {
    binary: 'dmabuf_sync_file',
    source: 'tests/dmabuf_sync_file.c',
    subtests: plain(
      'export-basic', 'export-before-signal', 'export-multiwait', 'export-wait-after-attach',
      'import-basic', 'import-multiple-read-only', 'import-multiple-read-write',
    ),
  },
  {
    binary: 'sw_sync',
    source: 'tests/sw_sync.c',
    subtests: plain(
      'alloc_timeline', 'alloc_fence', 'alloc_fence_invalid_timeline', 'timeline_closed',
      'timeline_closed_signaled', 'alloc_merge_fence', 'sync_busy', 'sync_busy_fork',
      'sync_busy_fork_unixsocket', 'sync_merge_invalid', 'sync_merge', 'sync_merge_same',
      'sync_multi_timeline_wait', 'sync_multi_consumer', 'sync_multi_consumer_producer',
      'sync_multi_producer_single_consumer', 'sync_expired_merge', 'sync_random_merge',
    ),
  },
  {
    // igt_kselftests("dmabuf_selftests"): one dynamic subtest per selftest the
    // module declares; these are Debian 6.1's drivers/dma-buf/selftests.h.
    binary: 'dmabuf',
    source: 'tests/dmabuf.c',
    subtests: [{ name: 'all-tests', dynamic: ['sanitycheck', 'dma_fence', 'dma_fence_chain', 'dma_fence_unwrap', 'dma_resv'] }],
  },
];

/** igt@binary@subtest[@dynamic] of every catalogued subtest, in IGT's order. */
export function catalogueTests(binary: IgtBinary): string[] {
  return binary.subtests.flatMap(({ name, dynamic }) =>
    dynamic ? dynamic.map((d) => `igt@${binary.binary}@${name}@${d}`) : [`igt@${binary.binary}@${name}`]);
}
