// The range allocator (drivers/gpu/drm/drm_mm.c) as the vma offset manager
// uses it: drm_mm_insert_node, i.e. DRM_MM_INSERT_BEST with no alignment.
//
// best_hole() picks the smallest hole that fits; holes of equal size sit in
// the size tree in the order add_hole() inserted them and the walk ends on the
// newest one. The node goes at the start of its hole. drm_mm_remove_node()
// merges the freed range into the hole of the node before it and re-adds that
// hole, so a freed range is what the next allocation of its size gets.
import { ERR, type KResult } from './errors.ts';

interface Node<T> {
  start: number;
  size: number;
  value: T;
  /** When add_hole() last inserted the hole after this node (0: no hole). */
  holeSeq: number;
}

export class DrmMm<T> {
  /** Allocated nodes by start, in address order. */
  private nodes: Node<T>[] = [];
  /** The hole after mm->head_node, i.e. before the first node. */
  private headHoleSeq: number;
  private seq = 0;

  constructor(
    readonly start: number,
    readonly size: number,
  ) {
    this.headHoleSeq = ++this.seq;
  }

  private holeAfter(i: number): { start: number; size: number; seq: number } {
    const start = i < 0 ? this.start : this.nodes[i].start + this.nodes[i].size;
    const end = i + 1 < this.nodes.length ? this.nodes[i + 1].start : this.start + this.size;
    return { start, size: end - start, seq: i < 0 ? this.headHoleSeq : this.nodes[i].holeSeq };
  }

  private setHoleSeq(i: number, seq: number): void {
    if (i < 0) this.headHoleSeq = seq;
    else this.nodes[i].holeSeq = seq;
  }

  /** drm_mm_insert_node: `size` units in the best hole; ENOSPC for 0 or when nothing fits. */
  insert(size: number, value: T): KResult<number> {
    if (size === 0 || size > this.size) return ERR('ENOSPC', `drm_mm cannot place ${size} pages`);
    let best = -2;
    let bestHole: { start: number; size: number; seq: number } | undefined;
    for (let i = -1; i < this.nodes.length; i++) {
      const hole = this.holeAfter(i);
      if (hole.seq === 0 || hole.size < size) continue;
      if (!bestHole || hole.size < bestHole.size || (hole.size === bestHole.size && hole.seq > bestHole.seq)) {
        best = i;
        bestHole = hole;
      }
    }
    if (!bestHole) return ERR('ENOSPC', `no hole of ${size} pages left`);
    // rm_hole(hole); add_hole(node) when space remains after it.
    this.setHoleSeq(best, 0);
    const node: Node<T> = { start: bestHole.start, size, value, holeSeq: bestHole.size > size ? ++this.seq : 0 };
    this.nodes.splice(best + 1, 0, node);
    return node.start;
  }

  /** drm_mm_remove_node: the range joins the hole of the node before it. */
  remove(start: number): void {
    const i = this.nodes.findIndex((n) => n.start === start);
    if (i < 0) return;
    this.nodes.splice(i, 1);
    this.setHoleSeq(i - 1, ++this.seq);
  }

  /** drm_vma_offset_exact_lookup_locked: the node starting at `start` that covers `pages`. */
  lookupExact(start: number, pages: number): T | undefined {
    const node = this.nodes.find((n) => n.start === start);
    return node && pages <= node.size ? node.value : undefined;
  }
}
