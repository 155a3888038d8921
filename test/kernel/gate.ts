// Kernel-build tests need Debian's linux-source-6.1 and the packaged kernel's
// headers (.ci/install-kernel-build.sh). Outside CI they skip with that
// reason; in CI (PRIMECI_REQUIRE_VM=1) their absence is a failure.
import { existsSync } from 'node:fs';
import { packagedKernel } from '../../kernel/packaged.ts';

export function kernelBuildGate(env: NodeJS.ProcessEnv = process.env): { skip: string | false; requiredButMissing?: string } {
  const packaged = packagedKernel();
  const why = !packaged.ok
    ? packaged.error
    : !existsSync('/usr/src/linux-source-6.1.tar.xz') || !existsSync(`/usr/src/linux-headers-${packaged.value.release}/Makefile`)
      ? 'linux-source-6.1 or the packaged kernel\'s headers are not installed: run .ci/install-kernel-build.sh'
      : undefined;
  if (!why) return { skip: false };
  if (env.PRIMECI_REQUIRE_VM === '1') return { skip: false, requiredButMissing: why };
  return { skip: `kernel builds unavailable: ${why}` };
}
