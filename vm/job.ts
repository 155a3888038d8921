// Run one shell script in a freshly booted guest and collect what it left in
// the control folder: its exit status and the guest kernel's identity.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VmKernel } from './kernel.ts';
import { boot, type BootEnd } from './qemu.ts';

/**
 * How the guest starts node. V8's JIT intermittently crashes node (SIGSEGV)
 * under QEMU's TCG: measured here, 4 of 10 fresh guests lost their first
 * process, none of 6 with the JIT off. `--no-expose-wasm` keeps V8 from warning
 * on stderr that --jitless disables WebAssembly (a warning would make the
 * first test of every guest a `warn`). Workers inherit these flags.
 */
export const GUEST_NODE = 'node --jitless --no-expose-wasm';

export interface VmJob {
  kernel: VmKernel;
  initrd: string;
  /** Host folders the job reads or writes, mounted at the same paths. */
  shares: string[];
  /** Body of job.sh, run by busybox sh as root with HOME=/tmp. */
  script: string;
  silenceMs: number;
  /** No line but heartbeats for this long: the job is stuck (default: never). */
  stallMs?: number;
  timeoutMs: number;
  consoleLog: string;
  cirrus?: boolean;
  memoryMb?: number;
  onLine?: (line: string) => void;
}

export interface GuestKernel {
  /** uname -a */
  uname: string;
  /** uname -r */
  release: string;
  /** /proc/version: compiler and build of the running kernel */
  version: string;
}

export interface VmJobEnd {
  end: BootEnd;
  /** Known once the guest booted far enough to write it. */
  guest?: GuestKernel;
}

export async function runVmJob(job: VmJob): Promise<VmJobEnd> {
  const control = mkdtempSync(join(tmpdir(), 'primeci-vm-'));
  try {
    writeFileSync(join(control, 'job.sh'), job.script);
    const end = await boot({
      image: job.kernel.image,
      initrd: job.initrd,
      shares: [{ path: control }, ...job.shares.map((path) => ({ path }))],
      control,
      silenceMs: job.silenceMs,
      stallMs: job.stallMs ?? job.timeoutMs,
      timeoutMs: job.timeoutMs,
      consoleLog: job.consoleLog,
      cirrus: job.cirrus ?? true,
      memoryMb: job.memoryMb,
      onLine: job.onLine,
    });
    const read = (name: string) => (existsSync(join(control, name)) ? readFileSync(join(control, name), 'utf8').trim() : undefined);
    const uname = read('guest-uname');
    const release = read('guest-release');
    const version = read('guest-version');
    return { end, guest: uname && release && version ? { uname, release, version } : undefined };
  } finally {
    rmSync(control, { recursive: true, force: true });
  }
}
