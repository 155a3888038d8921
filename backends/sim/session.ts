// A Session is one booted simulated machine; its Threads are scenario threads
// running as tasks of simulated processes.
import type { KmsgRecord, Requirement, RunOutcome, Session, Thread, ThreadBody } from '../backend.ts';
import { igtKmsgMarker } from '../backend.ts';
import type { OpName } from '../ops.ts';
import type { Chooser } from './chooser.ts';
import { task_work_run } from './file.ts';
import { Kernel, KERN_ERR } from './kernel.ts';
import { register_driver } from './module.ts';
import { Process } from './process.ts';
import type { Build } from './profile.ts';
import { current, Task, wait_event, type KGen } from './sched.ts';
import { implemented, syscall } from './syscalls.ts';
import { i915_sim_driver } from './i915_sim.ts';
import { vgem_driver } from './vgem_drv.ts';
import { vkms_driver } from './vkms_drv.ts';
import { udmabuf_dev_init } from './udmabuf.ts';
import { system_heap_create } from './system_heap.ts';
import { ANY_DRIVER, matchesDriver, NOT_ANY_DRIVERS } from '../drivers.ts';

/** The command name of scenario processes in kernel messages. */
const COMM = 'primeci';
/** khungtaskd's default hung_task_timeout_secs. */
const HUNG_TASK_TIMEOUT_US = 120_000_000;

/** Kernel features a scenario may require, beyond drivers and ops. */
const FEATURES = new Set([
  'lockdep', 'virtual_time', 'module_unload', 'sw_sync', 'dma_buf_export_sync_file', 'dma_buf_import_sync_file',
  'udmabuf', 'dma_heap_system',
]);

/** Features only a real kernel has, and why. */
const ABSENT_FEATURES: Record<string, string> = {
  dmabuf_selftests: 'the simulator has no in-kernel selftests (dmabuf_selftests runs on a real kernel: --backend native)',
};

class SimThread implements Thread {
  constructor(private readonly session: SimSession) {}

  *call(op: OpName, args: Readonly<Record<string, unknown>>) {
    return yield* syscall(op, args);
  }

  *sleep(ms: number) {
    const deadline = this.session.kernel.sched.now + Math.max(0, ms) * 1000;
    yield* wait_event({ what: 'hrtimer_nanosleep', ready: () => false, deadline });
  }

  *spawn(bodies: ThreadBody[], how: 'thread' | 'fork') {
    const parent = current();
    const children = bodies.map((body) => {
      const process = how === 'fork' ? parent.process.fork(parent.kernel.allocPid()) : parent.process;
      return this.session.startTask(process, body);
    });
    yield* wait_event({
      what: how === 'fork' ? 'do_wait' : 'pthread_join',
      ready: () => children.every((c) => c.done),
      holder: () => children.find((c) => !c.done),
    });
  }

  now(): number {
    return this.session.kernel.sched.now / 1000;
  }
}

export class SimSession implements Session {
  readonly kernel: Kernel;

  constructor(build: Build, chooser: Chooser, test?: string) {
    this.kernel = new Kernel(build.name, build.switches, chooser);
    for (const driver of [vgem_driver, vkms_driver, i915_sim_driver]) {
      this.kernel.drivers.push(driver);
      register_driver(this.kernel, driver);
    }
    udmabuf_dev_init(this.kernel);
    system_heap_create(this.kernel);
    this.kernel.printk(6, `Linux version ${build.switches.release} (primeci-sim ${build.name})`);
    if (test) this.kernel.printk(6, igtKmsgMarker(test));
  }

  unmet(requirement: Requirement): string | undefined {
    if ('driver' in requirement) {
      const present = this.kernel.devices.some((d) => matchesDriver(requirement.driver, d.driver.name));
      if (present) return undefined;
      return requirement.driver === ANY_DRIVER
        ? `no DRM device but ${NOT_ANY_DRIVERS.join(', ')} in the simulated kernel (IGT's DRIVER_ANY)`
        : `no ${requirement.driver} device in the simulated kernel`;
    }
    if ('op' in requirement) {
      return implemented(requirement.op) ? undefined : `the simulator does not implement ${requirement.op}`;
    }
    if (FEATURES.has(requirement.feature)) return undefined;
    return ABSENT_FEATURES[requirement.feature] ?? `the simulated kernel has no feature ${requirement.feature}`;
  }

  /** Start `body` as a new task of `process`; the last task of a process to end exits it. */
  startTask(process: Process, body: ThreadBody): Task {
    const thread = new SimThread(this);
    process.threads++;
    function* taskMain(): KGen<void> {
      yield* body(thread);
      yield* task_work_run();
      if (--process.threads === 0) yield* process.exit();
    }
    const task = new Task(this.kernel, process.threads === 1 ? process.pid : this.kernel.allocPid(), process, taskMain());
    this.kernel.sched.add(task);
    return task;
  }

  run(main: ThreadBody): RunOutcome {
    const init = Process.init(this.kernel.allocPid(), COMM);
    this.startTask(init, main);
    const end = this.kernel.sched.run();
    if (end.kind === 'threw') throw end.error;
    if (end.kind === 'completed') return { kind: 'completed' };
    return { kind: 'hung', report: this.hungReport(end.blocked) };
  }

  /** khungtaskd's report in the log, and the wait-for graph for the test's output. */
  private hungReport(blocked: Task[]): string {
    const k = this.kernel;
    k.sched.advance(HUNG_TASK_TIMEOUT_US);
    for (const task of blocked) {
      k.printLines(KERN_ERR, [
        `INFO: task ${task.comm}:${task.pid} blocked for more than ${HUNG_TASK_TIMEOUT_US / 1_000_000} seconds.`,
        `      Not tainted ${k.switches.release} #1`,
        '"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.',
        `task:${task.comm.padEnd(15)} state:D stack:0     pid:${task.pid}  ppid:1 flags:0x00004000`,
        'Call Trace:',
        ' <TASK>',
        ' __schedule',
        ' schedule',
        ...task.sleepStack.map((f) => ` ${f}`),
        ' </TASK>',
      ]);
    }
    const name = (t: Task) => `${t.comm}/${t.pid}`;
    const lines = ['every task is blocked: the machine is hung'];
    for (const task of blocked) {
      const holder = task.wait?.holder?.();
      lines.push(`  ${name(task)} waits in ${task.wait?.what ?? '?'}${holder ? `, held by ${name(holder)}` : ''}`);
    }
    const cycle = waitForCycle(blocked);
    if (cycle) lines.push(`wait-for cycle: ${cycle.map(name).join(' -> ')}`);
    return lines.join('\n');
  }

  kmsg(): KmsgRecord[] {
    return [...this.kernel.log];
  }

  dispose(): void {
    this.kernel.devices.length = 0;
  }
}

/** Follow "waits for" edges from each blocked task until one repeats. */
function waitForCycle(blocked: Task[]): Task[] | undefined {
  for (const start of blocked) {
    const path: Task[] = [];
    for (let t: Task | undefined = start; t && !t.done; t = t.wait?.holder?.()) {
      const at = path.indexOf(t);
      if (at >= 0) return [...path.slice(at), t];
      path.push(t);
    }
  }
  return undefined;
}
