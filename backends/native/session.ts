// A native session: the scenario's threads issue real syscalls. The main thread
// runs its ops directly; `spawn` runs the bodies as a group of native threads
// or forked children (src/group.c) in rounds: each body runs to its next op,
// then the round issues all of them at once, so races hit the kernel for real.
import type { KmsgRecord, OpResult, Preempt, Requirement, RunOutcome, Session, Thread, ThreadBody } from '../backend.ts';
import { igtKmsgMarker } from '../backend.ts';
import { ERRNO, type Errno } from '../errno.ts';
import { OPS, isOpName, type OpName, type OpSpec } from '../ops.ts';
import type { NativeAddon, RawOp, RawResult } from './addon.ts';
import { BAD_FD, NAT, SLEEP_OP, nativeOp } from './encode.ts';
import { KmsgReader } from './kmsg.ts';
import { featureUnmet } from './features.ts';
import { ANY_DRIVER, matchesDriver, NOT_ANY_DRIVERS } from '../drivers.ts';

const ERRNO_BY_NUMBER = new Map<number, Errno>(Object.entries(ERRNO).map(([name, n]) => [n, name as Errno]));

function errnoResult(err: number): OpResult {
  const name = ERRNO_BY_NUMBER.get(err);
  return name ? { ok: false, errno: name } : { ok: false, errno: 'EIO', detail: `errno ${err}, which backends/errno.ts does not name` };
}

/** A process's open files, as far as the scenario knows them: the fds its ops created. */
class Files {
  constructor(readonly fds = new Set<number>()) {}
  fork(): Files {
    return new Files(new Set(this.fds));
  }
}

/** A yielded request for the round driver: one op of a group member. */
class OpRequest implements Preempt {
  readonly preempt = true;
  constructor(readonly op: RawOp) {}
}

type Executor = { kind: 'direct' } | { kind: 'member'; forked: boolean };

let sessions = 0;

export class NativeSession implements Session {
  private readonly started = Date.now();
  private readonly kmsgReader: KmsgReader;
  private readonly mainFiles = new Files();
  private readonly mappings = new Set<number>();

  constructor(private readonly addon: NativeAddon, test?: string) {
    ++sessions;
    this.kmsgReader = new KmsgReader(test ? igtKmsgMarker(test) : `[primeci] native session ${sessions} starting (pid ${process.pid})`);
  }

  unmet(requirement: Requirement): string | undefined {
    if ('driver' in requirement) {
      const wanted = requirement.driver;
      const present = (drivers: string[]) => drivers.some((name) => matchesDriver(wanted, name));
      let drivers = this.addon.drivers();
      // IGT's drm_open_driver loads the driver's module on demand (an earlier
      // test, such as vgem_basic@unload, may have removed it).
      if (!present(drivers) && wanted !== ANY_DRIVER && this.loadModule(wanted)) drivers = this.addon.drivers();
      if (present(drivers)) return undefined;
      const what = wanted === ANY_DRIVER ? `DRM device but ${NOT_ANY_DRIVERS.join(', ')} (IGT's DRIVER_ANY)` : `${wanted} device`;
      return drivers.length
        ? `no ${what} (DRM drivers here: ${drivers.join(', ')})`
        : `no ${what} (no DRM device in /dev/dri)`;
    }
    if ('op' in requirement) return opUnmet(requirement.op);
    return featureUnmet(requirement.feature);
  }

  /** finit_module of the VM's copy of `name`; false when there is none or it fails. */
  private loadModule(name: string): boolean {
    const native = nativeOp('module_load')!;
    const raw = native.encode({ name });
    return Array.isArray(raw) && this.addon.execute(...raw).err === 0;
  }

  run(main: ThreadBody): RunOutcome {
    const body = main(this.thread(this.mainFiles, { kind: 'direct' }));
    // The main thread's ops run directly and never yield; spawned groups are
    // driven inside spawn(), so this loop only drains the generator.
    while (!body.next().done);
    return { kind: 'completed' };
  }

  kmsg(): KmsgRecord[] {
    return this.kmsgReader.read();
  }

  dispose(): void {
    for (const map of this.mappings) this.addon.execute(NAT.MUNMAP, [map]);
    for (const fd of this.mainFiles.fds) this.addon.execute(NAT.CLOSE, [fd]);
    this.mappings.clear();
    this.mainFiles.fds.clear();
    this.kmsgReader.close();
  }

  /** Encodes the op; fds the process does not own become BAD_FD, so the kernel
   * answers as for a closed fd and never touches the runner's own files. */
  private prepare(op: OpName, args: Readonly<Record<string, unknown>>, files: Files): RawOp | OpResult {
    const native = nativeOp(op);
    if (!native) return { ok: false, errno: 'ENOSYS', detail: `op ${op} is not available on the native backend` };
    const own = (fd: unknown) => (files.fds.has(fd as number) ? fd : BAD_FD);
    const owned: Record<string, unknown> = { ...args };
    for (const name of native.fds) owned[name] = own(args[name]);
    if (native.itemFds) {
      const { list, field } = native.itemFds;
      owned[list] = (args[list] as Record<string, unknown>[]).map((item) => ({ ...item, [field]: own(item[field]) }));
    }
    const raw = native.encode(owned as never);
    return Array.isArray(raw) ? raw : { ok: false, errno: raw.errno, detail: raw.detail };
  }

  private finish(op: OpName, args: Readonly<Record<string, unknown>>, raw: RawResult, files: Files, forked: boolean): OpResult {
    if (raw.err) return errnoResult(raw.err);
    const native = nativeOp(op)!;
    const value = native.decode ? native.decode(raw, args as never) : null;
    const tracked = forked ? undefined : this.mappings; // a child's mappings die with it
    switch (native.effect) {
      case 'new-fd': files.fds.add(raw.value[0]); break;
      case 'new-fd-pair': files.fds.add(raw.value[0]).add(raw.value[1]); break;
      case 'closes-fd': files.fds.delete(args.fd as number); break;
      case 'new-mapping': tracked?.add(raw.value[0]); break;
      case 'releases-mapping': tracked?.delete(args.map as number); break;
    }
    return { ok: true, value };
  }

  private thread(files: Files, executor: Executor): Thread {
    const session = this;
    return {
      *call(op, args) {
        const prepared = session.prepare(op, args, files);
        if (!Array.isArray(prepared)) return prepared;
        const raw = executor.kind === 'direct'
          ? session.addon.execute(...prepared)
          : ((yield new OpRequest(prepared)) as RawResult);
        return session.finish(op, args, raw, files, executor.kind === 'member' && executor.forked);
      },
      *sleep(ms) {
        if (executor.kind === 'direct') session.addon.execute(...SLEEP_OP(ms));
        else yield new OpRequest(SLEEP_OP(ms));
      },
      *spawn(bodies, how) {
        if (executor.kind === 'member' && executor.forked) {
          throw new Error('the native backend cannot spawn from inside a forked child (its ops run in C, not in JS)');
        }
        session.runGroup(bodies, how, files);
      },
      now: () => Date.now() - session.started,
    };
  }

  /** Runs bodies in lockstep rounds on a native group until all have returned. */
  private runGroup(bodies: ThreadBody[], how: 'thread' | 'fork', files: Files): void {
    if (bodies.length === 0) return;
    const forked = how === 'fork';
    const group = this.addon.groupOpen(forked, bodies.length);
    if (group < 0) {
      const name = ERRNO_BY_NUMBER.get(-group) ?? `errno ${-group}`;
      throw new Error(`cannot start ${bodies.length} ${forked ? 'forked children' : 'native threads'}: ${name}`);
    }
    try {
      const members = bodies.map((body) => body(this.thread(forked ? files.fork() : files, { kind: 'member', forked })));
      const replies: (RawResult | undefined)[] = bodies.map(() => undefined);
      const live = new Set(members.keys());
      while (live.size) {
        const ops: (RawOp | null)[] = members.map(() => null);
        for (const i of [...live]) {
          let step = members[i].next(replies[i]);
          while (!step.done && !(step.value instanceof OpRequest)) step = members[i].next();
          if (step.done) live.delete(i);
          else ops[i] = (step.value as OpRequest).op;
        }
        if (!live.size) break;
        this.addon.groupRound(group, ops).forEach((reply, i) => (replies[i] = reply ?? undefined));
      }
    } finally {
      this.addon.groupEnd(group);
    }
  }
}

export function opUnmet(op: string): string | undefined {
  if (!isOpName(op)) return `unknown op ${op}`;
  if ((OPS as Record<string, OpSpec>)[op].simOnly) return `${op} models kernel internals: simulator only`;
  return nativeOp(op) ? undefined : `${op} is not implemented by the native backend`;
}
