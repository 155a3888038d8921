// One simulated machine: scheduler, lock validator, kernel log, the build's
// behaviour switches, and the DRM devices registered at boot.
import type { KmsgRecord } from '../backend.ts';
import type { Chooser } from './chooser.ts';
import type { DrmDevice, DrmDriver } from './drm_device.ts';
import type { File } from './file.ts';
import { LockdepMap } from './locking.ts';
import { Lockdep, resetLockAddresses } from './lockdep.ts';
import type { Switches } from './profile.ts';
import { Scheduler, type KGen } from './sched.ts';
import type { Shrinker } from './vmscan.ts';

export const KERN_ERR = 3;
export const KERN_WARNING = 4;
export const KERN_INFO = 6;

/** Virtual cost of one syscall: lets duration-bounded loops end. */
export const SYSCALL_COST_US = 10;

export class Kernel {
  readonly sched: Scheduler;
  readonly lockdep: Lockdep;
  readonly log: KmsgRecord[] = [];
  /** The lockdep map fs_reclaim_acquire takes (mm/page_alloc.c __fs_reclaim_map). */
  readonly fs_reclaim: LockdepMap;
  /** Registered DRM devices, in minor order (card0, card1, ...). */
  readonly devices: DrmDevice[] = [];
  /** The DRM driver modules this machine has, loaded or not. */
  readonly drivers: DrmDriver[] = [];
  /** Character devices beyond DRM's (misc devices, dma-heaps): open() of their /dev path. */
  readonly chardevs = new Map<string, () => File>();
  /** register_shrinker */
  readonly shrinkers: Shrinker[] = [];
  /** Final releases queued where no task could run them (delayed_fput). */
  readonly delayed_fput: (() => KGen<void>)[] = [];
  private nextPid = 1000;
  private nextFenceContext = 1;
  private nextInode = 1000;
  private nextClientId = 1;

  constructor(
    readonly buildName: string,
    readonly switches: Switches,
    chooser: Chooser,
  ) {
    resetLockAddresses();
    this.fs_reclaim = new LockdepMap('fs_reclaim');
    this.sched = new Scheduler(chooser);
    this.lockdep = new Lockdep((lines) => this.printLines(KERN_WARNING, lines), switches.release);
  }

  /** dma_fence_context_alloc(1) */
  allocFenceContext(): number {
    return this.nextFenceContext++;
  }

  /** A pseudo-filesystem inode number (dma-bufs). */
  allocInode(): number {
    return this.nextInode++;
  }

  /** drm_file client ids, as fdinfo shows them. */
  allocClientId(): number {
    return this.nextClientId++;
  }

  allocPid(): number {
    return this.nextPid++;
  }

  printk(level: number, message: string): void {
    this.log.push({ level, seq: this.log.length, usec: this.sched.now, message });
  }

  printLines(level: number, lines: string[]): void {
    for (const line of lines) this.printk(level, line);
  }
}
