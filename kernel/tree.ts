// Keeping a persistent build folder's sources equal to "pristine + these
// patches" by content. make decides by timestamps: a file is rewritten (new
// inode, new mtime) only when its contents change, so a rebuild compiles what
// changed and nothing else — including a file going back to pristine, whose
// old mtime alone would leave a stale object behind.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Files (relative paths) and what they must hold; null: must not exist. */
export type Contents = Map<string, Buffer | null>;

function sameContents(path: string, want: Buffer | null): boolean {
  const exists = existsSync(path);
  if (want === null) return !exists;
  return exists && readFileSync(path).equals(want);
}

/** Writes through a new inode: the tree may be a hard-linked copy of the
 * pristine source, which an in-place write would change too. */
function replaceFile(path: string, contents: Buffer | null): void {
  if (contents === null) {
    rmSync(path, { force: true });
    return;
  }
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.primeci-${process.pid}`;
  writeFileSync(temp, contents);
  renameSync(temp, path);
}

/**
 * Makes `dir` hold `want` and, for every other file an earlier sync changed
 * (listed in `stateFile`), the pristine contents from `pristineDir`. Returns
 * the files it rewrote.
 */
export function syncTree(dir: string, pristineDir: string, want: Contents, stateFile: string): string[] {
  const before: string[] = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : [];
  // Recorded first: a sync cut short is undone by the next one.
  const all = [...new Set([...before, ...want.keys()])].sort();
  mkdirSync(dirname(stateFile), { recursive: true });
  writeFileSync(stateFile, JSON.stringify(all));
  const rewritten: string[] = [];
  for (const file of all) {
    let contents = want.get(file);
    if (contents === undefined) {
      const pristine = join(pristineDir, file);
      contents = existsSync(pristine) ? readFileSync(pristine) : null;
    }
    const path = join(dir, file);
    if (sameContents(path, contents)) continue;
    replaceFile(path, contents);
    rewritten.push(file);
  }
  writeFileSync(stateFile, JSON.stringify([...want.keys()].sort()));
  return rewritten;
}
