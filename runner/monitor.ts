// igt_runner's monitored errors (--abort-on-monitored-error): after a job, is
// the kernel still fit to test? On a real kernel igt_runner reads
// /proc/lockdep_stats (debug_locks drops to 0 after a splat) and
// /proc/sys/kernel/tainted; here the job's kernel log tells the same.
import type { KmsgRecord } from '../backends/backend.ts';
import type { Monitor } from './config.ts';

const SIGNS: Record<Monitor, { pattern: RegExp; reason: string }> = {
  lockdep: {
    pattern: /possible (recursive|circular) locking|inconsistent lock state|possible irq lock inversion|lockdep: |debug_locks/,
    reason: 'Lockdep not active',
  },
  // A WARN or oops taints the kernel; its report says so in the "Tainted:" line.
  taint: { pattern: /Tainted: [A-Z ]*[A-Z]|^WARNING: CPU: \d+ PID: \d+ at |^BUG: |^Oops: /, reason: 'Kernel is tainted' },
};

/** Why the run must stop after this job's kernel log, or undefined. */
export function monitoredError(kmsg: KmsgRecord[], monitors: readonly Monitor[]): string | undefined {
  for (const monitor of monitors) {
    const { pattern, reason } = SIGNS[monitor];
    const hit = kmsg.find((r) => pattern.test(r.message));
    if (hit) return `${reason} (${monitor}): ${hit.message}`;
  }
  return undefined;
}
