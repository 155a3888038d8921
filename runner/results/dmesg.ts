// IGT's rule for which kernel log records make a test dmesg-warn / dmesg-fail
// (runner/resultgen.c): level at or below the warn level, not a continuation,
// not on the whitelist of harmless messages.
import type { KmsgRecord } from '../../backends/backend.ts';

export interface DmesgRules {
  /** KERN_WARNING (4) by default: records of this level or more severe count. */
  warnLevel: number;
  /** piglit's older rule: only DRM / i915 records up to KERN_NOTICE count. */
  piglitStyle: boolean;
  /** The kernel runs in primeci's QEMU guest under TCG: the emulator's own
   * timing warnings say nothing about the test either. Absent: false. */
  emulated?: boolean;
}

export const DEFAULT_DMESG_RULES: DmesgRules = { warnLevel: 4, piglitStyle: false };

/** Messages that are warnings by level but say nothing about the test. */
const HARMLESS = new RegExp(
  [
    'Setting dangerous option [a-z_]+ - tainting kernel',
    'Suspending console\\(s\\) \\(use no_console_suspend to debug\\)',
    'IRQ [0-9]+: no longer affine to CPU[0-9]+',
    'usb usb[0-9]+: root hub lost power or was reset',
  ].join('|'),
);
const PIGLIT_DRM = /(\[drm:|drm_|intel_|i915_|\[drm\])/;
/** A guest CPU that TCG emulates tens of times slower than hardware trips
 * timing warnings meant for hardware (hrtimer_interrupt's pr_warn_once). */
const EMULATOR_TIMING = /^hrtimer: interrupt took [0-9]+ ns$/;

export function isWarning(r: KmsgRecord, rules: DmesgRules): boolean {
  if (rules.piglitStyle) return r.level <= 5 && PIGLIT_DRM.test(r.message);
  return r.level <= rules.warnLevel && !HARMLESS.test(r.message) && !(rules.emulated && EMULATOR_TIMING.test(r.message));
}

/** results.json's dmesg line: `<level> [seconds.micros] message`. */
export function formatDmesgLine(r: KmsgRecord): string {
  const seconds = Math.floor(r.usec / 1e6);
  const micros = String(r.usec % 1e6).padStart(6, '0');
  return `<${r.level}> [${String(seconds).padStart(5)}.${micros}] ${r.message}`;
}
