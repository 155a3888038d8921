// Applying patches: `git apply` decides whether a diff applies (the
// authority a kernel developer trusts), in a scratch folder holding only the
// files it touches, so the pristine source is never written.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { KernelBuildError } from './errors.ts';
import type { PatchRecord } from './manifest.ts';
import { touchedPaths, type BuildPatch } from './series.ts';

/** One patch as the builder takes it (kernel/series.ts parses them). */
export type KernelPatch = BuildPatch;

function git(args: string[], cwd: string, input: string) {
  return spawnSync('git', args, {
    cwd,
    input,
    encoding: 'utf8',
    // Never let git take the scratch folder for part of some repository.
    env: { ...process.env, GIT_CEILING_DIRECTORIES: dirname(cwd), GIT_DIR: join(cwd, '.no-git') },
    maxBuffer: 64 * 1024 * 1024,
  });
}

export function patchRecord(patch: KernelPatch): PatchRecord {
  return { file: patch.source, subject: patch.subject, sha256: patch.sha256, files: touchedPaths(patch) };
}

/** What the touched files become after `patches`, in order, on `sourceDir`
 * (as `base` has them, where it has them): path → contents, or null for a
 * file the series deletes. */
export function applyPatches(
  sourceDir: string,
  patches: readonly KernelPatch[],
  describe: string,
  base: ReadonlyMap<string, Buffer | null> = new Map(),
): Map<string, Buffer | null> {
  const touched = [...new Set(patches.flatMap(touchedPaths))];
  const scratch = mkdtempSync(join(tmpdir(), 'primeci-apply-'));
  try {
    for (const file of touched) {
      const to = join(scratch, file);
      const from = join(sourceDir, file);
      const given = base.get(file);
      if (given !== undefined) {
        if (given === null) continue;
        mkdirSync(dirname(to), { recursive: true });
        writeFileSync(to, given);
      } else if (existsSync(from) && statSync(from).isFile()) {
        mkdirSync(dirname(to), { recursive: true });
        copyFileSync(from, to);
      }
    }
    for (const patch of patches) {
      const applied = git(['apply', '--whitespace=nowarn', '-'], scratch, patch.mail);
      if (applied.status !== 0) {
        throw new KernelBuildError(`${patch.source} ("${patch.subject}") does not apply to ${describe}:\n${applied.stderr.trim()}`);
      }
    }
    const result = new Map<string, Buffer | null>();
    for (const file of touched) {
      const path = join(scratch, file);
      result.set(file, existsSync(path) ? readFileSync(path) : null);
    }
    return result;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
