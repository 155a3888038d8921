// Patches as the builder takes them, and applying them: `git apply` decides
// which files a diff touches and whether it applies (the authority a kernel
// developer trusts), in a scratch folder holding only those files, so the
// pristine source is never written.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { KernelBuildError } from './errors.ts';
import type { PatchRecord } from './manifest.ts';

/** One patch of a series, parsed (kernel/series.ts) or read from a file. */
export interface KernelPatch {
  /** Where it came from: a file, or a series mbox and the patch's place in it. */
  file: string;
  subject: string;
  sha256: string;
  /** The diff (a mail or a bare diff: git apply skips everything before it). */
  text: string;
}

function git(args: string[], cwd: string, input?: string) {
  return spawnSync('git', args, {
    cwd,
    input,
    encoding: 'utf8',
    // Never let git take the scratch folder for part of some repository.
    env: { ...process.env, GIT_CEILING_DIRECTORIES: dirname(cwd), GIT_DIR: join(cwd, '.no-git') },
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** The paths a patch touches (both sides of a rename), from git apply --numstat. */
export function touchedFiles(patch: KernelPatch): string[] {
  const scratch = mkdtempSync(join(tmpdir(), 'primeci-numstat-'));
  try {
    const out = git(['apply', '--numstat', '-z', '-'], scratch, patch.text);
    if (out.status !== 0) throw new KernelBuildError(`${patch.file}: not a patch git can read: ${out.stderr.trim()}`);
    // Records are "A\tD\tPATH\0", or for a rename "A\tD\t\0OLD\0NEW\0".
    const fields = out.stdout.split('\0');
    const files: string[] = [];
    for (let i = 0; i < fields.length; i++) {
      const m = /^(?:-|\d+)\t(?:-|\d+)\t(.*)$/s.exec(fields[i]);
      if (!m) continue;
      if (m[1] === '') files.push(fields[++i], fields[++i]);
      else files.push(m[1]);
    }
    if (!files.length) throw new KernelBuildError(`${patch.file}: holds no diff`);
    return [...new Set(files)];
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function patchRecord(patch: KernelPatch): PatchRecord {
  return { file: patch.file, subject: patch.subject, sha256: patch.sha256, files: touchedFiles(patch) };
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
  const touched = [...new Set(patches.flatMap(touchedFiles))];
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
      const applied = git(['apply', '--whitespace=nowarn', '-'], scratch, patch.text);
      if (applied.status !== 0) {
        throw new KernelBuildError(`${patch.file} ("${patch.subject}") does not apply to ${describe}:\n${applied.stderr.trim()}`);
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
