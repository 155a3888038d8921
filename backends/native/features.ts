// Kernel features a scenario may require, probed on the running kernel.
import { existsSync } from 'node:fs';
import { MODULE_DIR } from './encode.ts';

/** What each feature needs to be present, and how to tell. */
const PROBES: Record<string, { present: () => boolean; missing: string }> = {
  sw_sync: {
    // drivers/dma-buf/sync_debug.c creates this file when CONFIG_SW_SYNC is set.
    present: () => existsSync('/sys/kernel/debug/sync/sw_sync'),
    missing: 'no /sys/kernel/debug/sync/sw_sync (kernel built without CONFIG_SW_SYNC, or debugfs not mounted)',
  },
  dma_buf_debugfs: {
    present: () => existsSync('/sys/kernel/debug/dma_buf/bufinfo'),
    missing: 'no /sys/kernel/debug/dma_buf/bufinfo (CONFIG_DEBUG_FS off, or debugfs not mounted)',
  },
  udmabuf: {
    present: () => existsSync('/dev/udmabuf'),
    missing: 'no /dev/udmabuf (CONFIG_UDMABUF off, or the udmabuf module not loaded)',
  },
  dma_heap_system: {
    present: () => existsSync('/dev/dma_heap/system'),
    missing: 'no /dev/dma_heap/system (CONFIG_DMABUF_HEAPS_SYSTEM off, or the heap modules not loaded)',
  },
  dmabuf_selftests: {
    // IGT's igt_kselftests loads it by name; here from the VM's module folder (kselftest_run)
    present: () => existsSync(`${MODULE_DIR}/dmabuf_selftests.ko`),
    missing: `no ${MODULE_DIR}/dmabuf_selftests.ko (CONFIG_DMABUF_SELFTESTS off, or the module not built for the VM)`,
  },
};

export function featureUnmet(feature: string): string | undefined {
  const probe = PROBES[feature];
  if (!probe) return `feature ${feature} has no probe on the native backend (known: ${Object.keys(PROBES).join(', ')})`;
  return probe.present() ? undefined : probe.missing;
}
