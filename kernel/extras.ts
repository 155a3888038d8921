// The modules Debian's 6.1 config leaves out and primeci's default VM adds
// (kernel/extras/extras.json: sw_sync, vkms, udmabuf, the dma-heaps,
// dmabuf_selftests), as module jobs of the module path: built once per
// source, and again only when a patch touches their sources.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KernelBuildError } from './errors.ts';
import type { ExtrasFile } from './extras/types.ts';
import type { ModuleJob } from './modules.ts';
import { bareDiff } from './series.ts';

const EXTRAS = new URL('./extras/', import.meta.url);

/** The extras for a kernel of `version` (VERSION.PATCHLEVEL must match the adaptations'). */
export function extraModules(version: string): ModuleJob[] {
  const file = JSON.parse(readFileSync(new URL('extras.json', EXTRAS), 'utf8')) as ExtrasFile;
  if (!version.startsWith(`${file.kernel}.`)) {
    throw new KernelBuildError(`kernel/extras/extras.json adapts the extra modules to ${file.kernel}, not ${version}`);
  }
  return file.modules.map((m) => {
    const renamed = (object: string) => m.renames[object] ?? object.replace(/\.o$/, '.c');
    const solo = m.objects.length === 1 && m.objects[0] === `${m.name}.o`;
    const kbuild = [`obj-m := ${m.name}.o`, ...(solo ? [] : [`${m.name}-y := ${m.objects.join(' ')}`]), ...m.kbuild];
    const patchPath = m.patch ? fileURLToPath(new URL(m.patch, EXTRAS)) : undefined;
    return {
      name: m.name,
      dir: m.dir,
      kbuild: kbuild.join('\n') + '\n',
      sources: m.objects.map((o) => `${m.dir}/${renamed(o)}`),
      renames: Object.fromEntries(Object.entries(m.renames).map(([o, src]) => [`${m.dir}/${o.replace(/\.o$/, '.c')}`, `${m.dir}/${src}`])),
      adaptation: patchPath ? bareDiff(`kernel/extras/${m.patch}`, `${m.name}: build out of tree on ${file.kernel}`, readFileSync(patchPath, 'utf8')) : undefined,
      needs: m.needs,
      why: `Debian ${file.kernel} lacks it`,
    };
  });
}
