// A native session: the scenario's threads issue real syscalls. The main thread
// runs its ops directly; `spawn` runs the bodies as a group of native threads
// or forked children (src/group.c), each issuing its ops as it reaches them
// (driver.ts), so races hit the kernel for real.
import type { KmsgRecord, OpResult, Requirement, RunOutcome, Session, Thread, ThreadBody } from '../backend.ts';
import { igtKmsgMarker } from '../backend.ts';
import { errnoName } from '../errno.ts';
import { OPS, isOpName, type OpName, type OpSpec } from '../ops.ts';
import type { NativeAddon, RawOp, RawResult } from './addon.ts';
import { OpRequest, SpawnRequest, runSpawn, type Spawn } from './driver.ts';
import { BAD_FD, NAT, SLEEP_OP, nativeOp } from './encode.ts';
import { KmsgReader } from './kmsg.ts';
import { featureUnmet } from './features.ts';
import { ANY_DRIVER, matchesDriver, NOT_ANY_DRIVERS } from '../drivers.ts';

function errnoResult(err: number): OpResult {
  const name = errnoName(err);
  return name ? { ok: false, errno: name } : { ok: false, errno: 'EIO', detail: `errno ${err}, which backends/errno.ts does not name` };
}

/** A process's open files, as far as the scenario knows them: the fds its ops created. */
class Files {
  constructor(readonly fds = new Set<number>()) {}
  fork(): Files {
    return new Files(new Set(this.fds));
  }
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
        // A closed fd leaves the table as the op is issued, not when its result
        // comes back: another thread's op may reuse the number meanwhile, and
        // its result may come back first. close(2) frees the fd even when it fails.
        if (nativeOp(op)!.effect === 'closes-fd') files.fds.delete(args.fd as number);
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
        const forked = how === 'fork';
        const spawn: Spawn = {
          forked,
          members: bodies.map((body) => ({ body, thread: session.thread(forked ? files.fork() : files, { kind: 'member', forked }) })),
        };
        // A member's spawn is driven by the driver running it; the main thread's starts one.
        if (executor.kind === 'member') yield new SpawnRequest(spawn);
        else runSpawn(session.addon, spawn);
      },
      now: () => Date.now() - session.started,
    };
  }
}

export function opUnmet(op: string): string | undefined {
  if (!isOpName(op)) return `unknown op ${op}`;
  if ((OPS as Record<string, OpSpec>)[op].simOnly) return `${op} models kernel internals: simulator only`;
  return nativeOp(op) ? undefined : `${op} is not implemented by the native backend`;
}
