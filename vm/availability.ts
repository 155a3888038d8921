// Can this host boot the primeci guest? One answer for the `vm` command, the
// native tests and the benchmark, with the fix in the message.
import { spawnSync } from 'node:child_process';
import { packagedKernel, type VmKernel } from './kernel.ts';

function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

/** Why the VM cannot run here, or undefined. */
export function vmUnavailable(kernel: VmKernel | undefined = undefined): string | undefined {
  for (const tool of ['qemu-system-x86_64', 'busybox', 'cpio', 'modprobe']) {
    if (!onPath(tool)) return `${tool} not found: run .ci/install-vm.sh`;
  }
  if (kernel) return undefined;
  const packaged = packagedKernel();
  return packaged.ok ? undefined : packaged.error;
}

/** For tests that need the VM: skip with the reason, or fail when the
 * environment says the VM is required (PRIMECI_REQUIRE_VM=1, set by .ci/run). */
export function vmTestGate(env: NodeJS.ProcessEnv = process.env): { skip: string | false; requiredButMissing?: string } {
  const why = vmUnavailable();
  if (!why) return { skip: false };
  if (env.PRIMECI_REQUIRE_VM === '1') return { skip: false, requiredButMissing: why };
  return { skip: `VM unavailable: ${why}` };
}
