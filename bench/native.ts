// The native backend's costs: per op (JS -> addon -> syscall -> JS) on the host
// (a file without DRM: /dev/zero) and on vgem in the VM, and the VM's boot time.
// Without the addon or the VM, the figures that need them are left out.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpResult, Thread } from '../backends/backend.ts';
import { loadAddon } from '../backends/native/addon.ts';
import { nativeBackend } from '../backends/native/index.ts';
import { vmUnavailable } from '../vm/availability.ts';
import { buildInitramfs } from '../vm/initramfs.ts';
import { packagedKernel, vmCacheDir } from '../vm/kernel.ts';
import { GUEST_NODE, runVmJob } from '../vm/job.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const HOST_ITERATIONS = 20000;

function hostLseekCost(): number {
  const session = nativeBackend.session({ build: 'bench', seed: 0 });
  let us = 0;
  session.run(function* (th: Thread) {
    const call = (op: 'open' | 'lseek', args: Record<string, unknown>): OpResult => {
      const gen = th.call(op, args);
      let step = gen.next();
      while (!step.done) step = gen.next();
      return step.value;
    };
    const opened = call('open', { path: '/dev/zero' });
    if (!opened.ok) return;
    const started = performance.now();
    for (let i = 0; i < HOST_ITERATIONS; i++) call('lseek', { fd: opened.value, offset: 0, whence: 'set' });
    us = ((performance.now() - started) * 1000) / HOST_ITERATIONS;
  });
  session.dispose();
  return us;
}

export async function benchNative(): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  if (!loadAddon().ok) return figures;
  figures.native_host_lseek_us = hostLseekCost();

  const kernel = packagedKernel();
  if (!kernel.ok || vmUnavailable()) return figures;
  const initrd = buildInitramfs(kernel.value, vmCacheDir());
  if (!initrd.ok) return figures;
  const out = mkdtempSync(join(tmpdir(), 'primeci-bench-vm-'));
  try {
    const started = performance.now();
    let upMs = 0;
    const trivial = await runVmJob({
      kernel: kernel.value, initrd: initrd.value, shares: [], script: 'true\n',
      silenceMs: 120_000, timeoutMs: 300_000, consoleLog: join(out, 'boot.log'),
      onLine: (line) => { if (line.startsWith('primeci-vm: guest up')) upMs = performance.now() - started; },
    });
    if (trivial.end.kind !== 'poweroff') return figures;
    figures.vm_boot_to_init_s = upMs / 1000;
    figures.vm_boot_run_poweroff_s = trivial.end.ms / 1000;
    const ops = await runVmJob({
      kernel: kernel.value, initrd: initrd.value, shares: [ROOT, out],
      script: `cd ${ROOT} && ${GUEST_NODE} --import tsx bench/native-guest.ts ${out}/ops.json\n`,
      silenceMs: 300_000, timeoutMs: 600_000, consoleLog: join(out, 'ops.log'),
    });
    if (ops.end.kind === 'poweroff' && ops.end.jobStatus === 0) {
      Object.assign(figures, JSON.parse(readFileSync(join(out, 'ops.json'), 'utf8')));
    }
    return figures;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(JSON.stringify(await benchNative(), null, 2) + '\n');
}
