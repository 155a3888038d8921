// kernel/extras/extras.json against its contract (kernel/extras/types.ts), and
// its adaptation patches against Debian's linux-source-6.1 when it is unpacked.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExtrasFile } from '../../kernel/extras/types.ts';

const EXTRAS = fileURLToPath(new URL('../../kernel/extras/', import.meta.url));
const data = JSON.parse(readFileSync(join(EXTRAS, 'extras.json'), 'utf8')) as ExtrasFile;
const SOURCE = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'primeci', 'src', 'linux-source-6.1');

/** Paths a patch changes, from its `diff --git a/X b/X` lines. */
function patchedPaths(patch: string): string[] {
  return [...patch.matchAll(/^diff --git a\/(\S+) b\/\S+$/gm)].map((m) => m[1]);
}

t.test('every module is complete and consistent', async (t) => {
  t.equal(data.kernel, '6.1');
  const seen: string[] = [];
  for (const m of data.modules) {
    t.notOk(seen.includes(m.name), `${m.name}: one entry`);
    for (const need of m.needs) t.ok(seen.includes(need), `${m.name} needs ${need}, listed before it`);
    t.ok(m.objects.length > 0 && m.objects.every((o) => /^[\w-]+\.o$/.test(o)), `${m.name}: objects are NAME.o in its dir`);
    if (m.objects.length > 1) t.notOk(m.objects.includes(`${m.name}.o`), `${m.name}: a composite module does not link an object of its own name`);
    for (const [object, source] of Object.entries(m.renames)) {
      t.ok(m.objects.includes(object), `${m.name}: rename of a linked object (${object})`);
      t.match(source, /^[\w-]+\.c$/, `${m.name}: ${object} comes from a C file of its dir`);
    }
    t.notOk(m.kbuild.some((line) => /^obj-|^\S+-y\b/.test(line)), `${m.name}: the object lists come from objects, not kbuild lines`);
    if (m.patch !== null) {
      const patch = readFileSync(join(EXTRAS, m.patch), 'utf8');
      const header = patch.slice(0, patch.indexOf('diff --git'));
      t.ok(header.trim().length > 0, `${m.patch} says why before its first diff`);
      const paths = patchedPaths(patch);
      t.ok(paths.length > 0, `${m.patch} changes files`);
      for (const path of paths) t.ok(path.startsWith(`${m.dir}/`) && !path.slice(m.dir.length + 1).includes('/'), `${m.patch}: ${path} is a file of ${m.dir}`);
    }
    seen.push(m.name);
  }
  t.same([...seen].sort(), ['dma-heap', 'dmabuf_selftests', 'sw_sync', 'system_heap', 'udmabuf', 'vkms']);
});

t.test('the patches apply to Debian\'s 6.1 and every object has its source', { skip: existsSync(SOURCE) ? false : `no kernel source at ${SOURCE} (.ci/install-kernel-build.sh unpacks it)` }, async (t) => {
  for (const m of data.modules) {
    const root = mkdtempSync(join(tmpdir(), `primeci-extras-${m.name}-`));
    const dir = join(root, m.dir);
    mkdirSync(dir, { recursive: true });
    for (const f of readdirSync(join(SOURCE, m.dir))) {
      if (statSync(join(SOURCE, m.dir, f)).isFile()) cpSync(join(SOURCE, m.dir, f), join(dir, f));
    }
    if (m.patch !== null) {
      const apply = spawnSync('git', ['apply', '-p1', join(EXTRAS, m.patch)], { cwd: root, encoding: 'utf8' });
      t.equal(apply.status, 0, `${m.patch} applies: ${apply.stderr.trim()}`);
    }
    for (const object of m.objects) {
      const source = m.renames[object] ?? object.replace(/\.o$/, '.c');
      t.ok(existsSync(join(dir, source)), `${m.name}: ${object} from ${m.dir}/${source}`);
    }
  }
});
