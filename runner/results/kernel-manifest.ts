// The kernel builder's record of what it built (source, version, config and
// the patches applied in order), carried in a results folder's metadata under
// `kernel-manifest` as one line of JSON, so the reports can say which kernel
// ran without knowing how it was built.
import { z } from 'zod';

export const KERNEL_MANIFEST_KEY = 'kernel-manifest';

const manifestSchema = z.object({
  /** Where the base source came from: a package (`linux-source-6.1`), a git https URL or a path. */
  source: z.string().min(1),
  /** Its version: `6.1.192`, a tag, or a full commit hash. */
  version: z.string().min(1),
  /** The configuration built: a name (`debian`) or a config fragment's path. */
  config: z.string().min(1),
  /** In the order applied; sha256 of each patch file as `git format-patch` wrote it. */
  patches: z
    .array(z.object({ subject: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits') }))
    .default([]),
});

export type KernelManifest = z.infer<typeof manifestSchema>;

export type ManifestResult = { ok: true; value: KernelManifest } | { ok: false; error: string };

export function parseKernelManifest(text: string): ManifestResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `not JSON: ${(error as Error).message}` };
  }
  const parsed = manifestSchema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { ok: false, error: `${issue.path.length ? issue.path.join('.') : '(top level)'}: ${issue.message}` };
}
