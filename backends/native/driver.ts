// Drives the bodies of spawned native groups (src/group.c). A body is a JS
// coroutine; each member's next op is submitted as soon as its body reaches
// it and the body resumes as soon as that op completes, so the members go on
// independently, as IGT's pthreads and forked children do: one blocked in a
// wait never holds up the op of another that would end it. A member that
// spawns waits for its own group while the others go on.
import type { Preempt, Thread, ThreadBody } from '../backend.ts';
import { errnoName } from '../errno.ts';
import type { NativeAddon, RawOp, RawResult } from './addon.ts';

/** A member's request for the driver: run one op. */
export class OpRequest implements Preempt {
  readonly preempt = true;
  constructor(readonly op: RawOp) {}
}

/** A member's request for the driver: run these bodies, then resume me. */
export class SpawnRequest implements Preempt {
  readonly preempt = true;
  constructor(readonly spawn: Spawn) {}
}

/** Bodies to run as one group, each on the Thread its process gives it. */
export interface Spawn {
  forked: boolean;
  members: { body: ThreadBody; thread: Thread }[];
}

interface Member {
  readonly run: Generator<Preempt, void, unknown>;
  readonly group: Group;
  readonly index: number;
}

interface Group {
  readonly id: number;
  readonly members: Member[];
  live: number;
  /** The member that spawned it; none for the main thread's group. */
  readonly parent: Member | undefined;
}

/** Runs the group and every group its members spawn until all have returned.
 * An exception from a body ends them all and is rethrown. */
export function runSpawn(addon: NativeAddon, spawn: Spawn): void {
  if (spawn.members.length) new Driver(addon).run(spawn);
}

class Driver {
  private readonly open = new Map<number, Group>();
  /** Members to resume, with the result of their op (undefined after a spawn). */
  private readonly ready: [Member, RawResult | undefined][] = [];

  constructor(private readonly addon: NativeAddon) {}

  run(spawn: Spawn): void {
    try {
      this.start(spawn, undefined);
      this.pump();
      while (this.open.size) {
        const done = this.addon.groupCollect();
        if (!done.length) throw new Error('native groups: members wait, but no op of theirs is in flight');
        for (const [id, index, result] of done) this.ready.push([this.open.get(id)!.members[index], result]);
        this.pump();
      }
    } finally {
      // After an exception, members may still be in the kernel: their ops are abandoned.
      for (const id of this.open.keys()) this.addon.groupEnd(id);
    }
  }

  private start(spawn: Spawn, parent: Member | undefined): void {
    const { forked, members } = spawn;
    const id = this.addon.groupOpen(forked, members.length);
    if (id < 0) throw new Error(`cannot start ${members.length} ${forked ? 'forked children' : 'native threads'}: ${errnoName(-id) ?? `errno ${-id}`}`);
    const group: Group = { id, members: [], live: members.length, parent };
    this.open.set(id, group);
    members.forEach(({ body, thread }, index) => group.members.push({ run: body(thread), group, index }));
    for (const member of group.members) this.ready.push([member, undefined]);
  }

  private pump(): void {
    for (let next = this.ready.shift(); next; next = this.ready.shift()) this.resume(...next);
  }

  /** Runs the member's body to its next request, and starts what it asks for. */
  private resume(member: Member, reply: RawResult | undefined): void {
    const step = member.run.next(reply);
    if (step.done) return this.finished(member.group);
    const request = step.value;
    if (request instanceof OpRequest) {
      const err = this.addon.groupSubmit(member.group.id, member.index, ...request.op);
      if (err) this.ready.push([member, { err, value: [] }]);
    } else if (request instanceof SpawnRequest && request.spawn.members.length) {
      this.start(request.spawn, member);
    } else {
      this.ready.push([member, undefined]);
    }
  }

  private finished(group: Group): void {
    if (--group.live) return;
    this.open.delete(group.id);
    this.addon.groupEnd(group.id);
    if (group.parent) this.ready.push([group.parent, undefined]);
  }
}
