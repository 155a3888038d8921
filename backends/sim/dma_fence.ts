// Fences (drivers/dma-buf/dma-fence.c, dma-fence-array.c, dma-fence-unwrap.c):
// a one-shot completion on a timeline (context, seqno), with an optional
// error and callbacks run when it signals.
import type { Kernel } from './kernel.ts';

export interface DmaFenceOps {
  get_driver_name(fence: DmaFence): string;
  get_timeline_name(fence: DmaFence): string;
}

export class DmaFence {
  signaled = false;
  /** 0, or a negative errno set before signalling (dma_fence_set_error). */
  error = 0;
  /** Virtual time (µs) of signalling. */
  timestamp = 0;
  private callbacks: (() => void)[] = [];

  constructor(
    readonly kernel: Kernel,
    readonly ops: DmaFenceOps,
    readonly context: number,
    readonly seqno: number,
  ) {}

  /** dma_fence_add_callback: false (-ENOENT) when already signalled. */
  addCallback(cb: () => void): boolean {
    if (this.signaled) return false;
    this.callbacks.push(cb);
    return true;
  }

  /** dma_fence_signal: false (-EINVAL) when it was signalled already. */
  signal(): boolean {
    if (this.signaled) return false;
    this.signaled = true;
    this.timestamp = this.kernel.sched.now;
    const callbacks = this.callbacks;
    this.callbacks = [];
    for (const cb of callbacks) cb();
    return true;
  }
}

export function dma_fence_context_alloc(kernel: Kernel): number {
  return kernel.allocFenceContext();
}

export function dma_fence_signal(fence: DmaFence): boolean {
  return fence.signal();
}

export function dma_fence_set_error(fence: DmaFence, error: number): void {
  fence.error = error;
}

export function dma_fence_is_signaled(fence: DmaFence): boolean {
  return fence.signaled;
}

/** dma_fence_get_status: 1 signalled, 0 pending, the error when it failed. */
export function dma_fence_get_status(fence: DmaFence): number {
  if (!fence.signaled) return 0;
  return fence.error < 0 ? fence.error : 1;
}

/** dma_fence_is_later: same context, higher seqno. */
export function dma_fence_is_later(a: DmaFence, b: DmaFence): boolean {
  return a.context === b.context && a.seqno > b.seqno;
}

const stubOps: DmaFenceOps = { get_driver_name: () => 'stub', get_timeline_name: () => 'stub' };

/** dma_fence_get_stub: an always-signalled fence. */
export function dma_fence_get_stub(kernel: Kernel): DmaFence {
  const fence = new DmaFence(kernel, stubOps, 0, 0);
  fence.signal();
  return fence;
}

/** dma_fence_allocate_private_stub: a stub signalled at `timestamp` (µs). */
function dma_fence_allocate_private_stub(kernel: Kernel, timestamp: number): DmaFence {
  const fence = dma_fence_get_stub(kernel);
  fence.timestamp = timestamp;
  return fence;
}

const arrayOps: DmaFenceOps = { get_driver_name: () => 'dma_fence_array', get_timeline_name: () => 'unbound' };

/** dma_fence_array: signals when all its fences have; carries the first error. */
export class DmaFenceArray extends DmaFence {
  constructor(kernel: Kernel, readonly fences: DmaFence[]) {
    super(kernel, arrayOps, dma_fence_context_alloc(kernel), 1);
    let pending = fences.length;
    const onSignal = () => {
      if (--pending > 0) return;
      const failed = fences.find((f) => f.error < 0);
      if (failed) dma_fence_set_error(this, failed.error);
      this.signal();
    };
    for (const f of fences) if (!f.addCallback(onSignal)) onSignal();
  }
}

/** dma_fence_unwrap: the individual fences inside containers. */
export function dma_fence_unwrap(fence: DmaFence): DmaFence[] {
  return fence instanceof DmaFenceArray ? fence.fences.flatMap(dma_fence_unwrap) : [fence];
}

/**
 * __dma_fence_unwrap_merge: every signalled fence is dropped, errors and all;
 * the rest sorted by context (fence_cmp), keeping the latest of each. With
 * nothing pending, a private stub signalled at the latest timestamp.
 */
export function dma_fence_unwrap_merge(kernel: Kernel, fences: DmaFence[]): DmaFence {
  const all = fences.flatMap(dma_fence_unwrap);
  const pending = all.filter((f) => !f.signaled)
    .sort((a, b) => a.context - b.context || (dma_fence_is_later(b, a) ? 1 : dma_fence_is_later(a, b) ? -1 : 0));
  const merged = pending.filter((f, i) => i === 0 || pending[i - 1].context !== f.context);
  if (merged.length === 0) {
    return dma_fence_allocate_private_stub(kernel, Math.max(0, ...all.filter((f) => f.signaled).map((f) => f.timestamp)));
  }
  if (merged.length === 1) return merged[0];
  return new DmaFenceArray(kernel, merged);
}
