// One boot of the guest in QEMU, watched like igt_runner watches a test
// machine: the console is streamed to a log, and the guest is killed when its
// kernel stops answering (no console output at all, not even the init's
// heartbeat), when the job stops making progress (no line but heartbeats), or
// when it overruns its time.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface Share {
  /** Host folder, mounted at the same path in the guest. */
  path: string;
}

export interface BootOptions {
  image: string;
  initrd: string;
  shares: Share[];
  /** Folder (also shared) where the guest finds job.sh and leaves its status. */
  control: string;
  /** Kill the guest after this long without any console output (the guest's
   * init prints a heartbeat every HEARTBEAT_S seconds while the kernel runs). */
  silenceMs: number;
  /** Kill the guest after this long without a console line other than heartbeats. */
  stallMs: number;
  /** Kill the guest after this long in all. */
  timeoutMs: number;
  /** Append the console here. */
  consoleLog: string;
  /** Add the cirrus VGA device, a second DRM driver for cross-device PRIME. */
  cirrus: boolean;
  memoryMb?: number;
  onLine?: (line: string) => void;
}

/** Why the harness killed a guest. */
export type KillReason = 'silent' | 'stalled' | 'timeout';

export type BootEnd =
  | { kind: 'poweroff'; jobStatus: number | undefined; ms: number }
  | { kind: KillReason; ms: number }
  | { kind: 'qemu-failed'; code: number | null; stderr: string; ms: number };

const JOB_EXIT = /^primeci-vm: job exit (\d+)/;
/** A kernel without ACPI (primeci's full builds) halts on poweroff instead of
 * ending QEMU: once it says so, the guest is done. */
const HALTED = /reboot: System halted/;
/** vm/guest/init's heartbeat line, printed every 10 s. */
export const HEARTBEAT = 'primeci-vm: heartbeat';

export function qemuArgs(o: BootOptions): string[] {
  // RCU's stall detector waits 21 s, tuned for hardware: under TCG a long
  // kernel loop (dmabuf_selftests' dma_fence_chain) takes longer than that
  // and would report a stall that is the emulator's, not the kernel's.
  const cmdline = ['console=ttyS0', 'panic=-1', 'quiet', 'rcupdate.rcu_cpu_stall_timeout=300', `primeci.control=${o.control}`];
  const args = [
    '-accel', 'tcg', '-m', String(o.memoryMb ?? 1024), '-smp', '2',
    '-nodefaults', '-display', 'none', '-no-reboot', '-monitor', 'none',
    '-serial', 'stdio', '-kernel', o.image, '-initrd', o.initrd,
  ];
  if (o.cirrus) args.push('-device', 'cirrus-vga');
  o.shares.forEach((share, i) => {
    args.push('-virtfs', `local,path=${share.path},mount_tag=share${i},security_model=none`);
    cmdline.push(`primeci.share=share${i}:${share.path}`);
  });
  args.push('-append', cmdline.join(' '));
  return args;
}

/** Shared paths go on the kernel command line and into -virtfs options. */
export function badSharePath(path: string): string | undefined {
  if (/[\s,:]/.test(path)) return `cannot share ${path} with the VM: the path contains a space, comma or colon`;
  return undefined;
}

export function boot(o: BootOptions): Promise<BootEnd> {
  const started = Date.now();
  const ms = () => Date.now() - started;
  const log = createWriteStream(o.consoleLog, { flags: 'a' });
  const qemu = spawn('qemu-system-x86_64', qemuArgs(o), { stdio: ['ignore', 'pipe', 'pipe'] });
  let jobStatus: number | undefined;
  let stderr = '';
  let killedFor: KillReason | undefined;
  let halted = false;
  const kill = (why: KillReason) => {
    killedFor ??= why;
    qemu.kill('SIGKILL');
  };
  let silence = setTimeout(() => kill('silent'), o.silenceMs);
  let stall = setTimeout(() => kill('stalled'), o.stallMs);
  const overall = setTimeout(() => kill('timeout'), o.timeoutMs);
  let partial = '';
  qemu.stdout.on('data', (chunk: Buffer) => {
    log.write(chunk);
    clearTimeout(silence);
    silence = setTimeout(() => kill('silent'), o.silenceMs);
    const lines = (partial + chunk.toString('utf8')).split(/\r?\n/);
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line === HEARTBEAT) continue;
      clearTimeout(stall);
      stall = setTimeout(() => kill('stalled'), o.stallMs);
      const exit = JOB_EXIT.exec(line);
      if (exit) jobStatus = Number(exit[1]);
      if (HALTED.test(line)) {
        halted = true;
        qemu.kill('SIGKILL');
      }
      o.onLine?.(line);
    }
  });
  qemu.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolveEnd) => {
    const finish = (end: BootEnd) => {
      clearTimeout(silence);
      clearTimeout(stall);
      clearTimeout(overall);
      log.end(() => resolveEnd(end));
    };
    qemu.on('error', (err) => finish({ kind: 'qemu-failed', code: null, stderr: err.message, ms: ms() }));
    qemu.on('close', (code) => {
      if (killedFor) finish({ kind: killedFor, ms: ms() });
      else if (code === 0 || halted) finish({ kind: 'poweroff', jobStatus, ms: ms() });
      else finish({ kind: 'qemu-failed', code, stderr: stderr.trim(), ms: ms() });
    });
  });
}
