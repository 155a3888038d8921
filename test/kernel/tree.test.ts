// The persistent build folder's sources follow "pristine + patches" by
// content: only files whose contents change are rewritten (make's timestamps
// then rebuild exactly them), a file going back to pristine is rewritten too,
// and a hard-linked pristine file is never written through.
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { syncTree } from '../../kernel/tree.ts';

t.test('syncTree rewrites what changes, restores what a patch no longer touches, deletes what it removed', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'primeci-tree-'));
  const pristine = join(root, 'pristine');
  const work = join(root, 'work');
  const state = join(root, 'state.json');
  mkdirSync(join(pristine, 'd'), { recursive: true });
  mkdirSync(join(work, 'd'), { recursive: true });
  for (const f of ['d/a.c', 'd/b.c']) {
    writeFileSync(join(pristine, f), `pristine ${f}\n`);
    linkSync(join(pristine, f), join(work, f));
  }
  const buf = (s: string) => Buffer.from(s);

  t.same(syncTree(work, pristine, new Map([['d/a.c', buf('patched a\n')], ['d/new.c', buf('new\n')]]), state), ['d/a.c', 'd/new.c']);
  t.equal(readFileSync(join(pristine, 'd/a.c'), 'utf8'), 'pristine d/a.c\n', 'the hard-linked pristine file is untouched');
  t.equal(readFileSync(join(work, 'd/a.c'), 'utf8'), 'patched a\n');
  const inode = statSync(join(work, 'd/a.c')).ino;

  t.same(syncTree(work, pristine, new Map([['d/a.c', buf('patched a\n')], ['d/new.c', buf('new\n')]]), state), [], 'same input: nothing rewritten');
  t.equal(statSync(join(work, 'd/a.c')).ino, inode, 'an unchanged file keeps its inode (and mtime)');

  t.same(syncTree(work, pristine, new Map([['d/b.c', null]]), state), ['d/a.c', 'd/b.c', 'd/new.c'], 'a: back to pristine, b: deleted, new: gone');
  t.equal(readFileSync(join(work, 'd/a.c'), 'utf8'), 'pristine d/a.c\n');
  t.notOk(existsSync(join(work, 'd/b.c')));
  t.ok(existsSync(join(pristine, 'd/b.c')), 'deleting in the work tree leaves pristine alone');
  t.notOk(existsSync(join(work, 'd/new.c')));

  t.same(syncTree(work, pristine, new Map(), state), ['d/b.c'], 'no patches: everything pristine again');
  t.equal(readFileSync(join(work, 'd/b.c'), 'utf8'), 'pristine d/b.c\n');
  t.end();
});
