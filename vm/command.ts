// primeci vm [--kernel IMAGE --modules DIR] [VM OPTIONS] -- run [RUN OPTIONS]
// Runs `primeci run --backend native` inside a QEMU guest booted on a real
// kernel, with the project, the working folder and the results' parent shared
// over 9p, so the results land on the host as a plain `run` leaves them. A
// guest whose kernel stops answering, or whose run stops making progress, is
// killed and booted again to resume the run, as igt_runner's resume does after
// a hung machine.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FILES, readMetadata, writeMetadata } from '../runner/results/layout.ts';
import { generateResults, writeResults } from '../runner/results/resultgen.ts';
import { integer, parse } from '../runner/options.ts';
import { fillRunFolder } from '../runner/commands/run.ts';
import { selectTests } from '../runner/select.ts';
import { parseRunCommand, readSettings, type RunSettings } from '../runner/settings.ts';
import { UsageError } from '../runner/usage.ts';
import { vmUnavailable } from './availability.ts';
import { buildInitramfs } from './initramfs.ts';
import { defaultKernel, kernelDir, userKernel, vmCacheDir, type VmKernel } from './kernel.ts';
import { GUEST_NODE, runVmJob, type GuestKernel } from './job.ts';
import { badSharePath } from './qemu.ts';

const PROJECT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

const VM_OPTIONS = {
  kernel: { type: 'string' },
  modules: { type: 'string' },
  'kernel-dir': { type: 'string' },
  build: { type: 'string' },
  silence: { type: 'string' },
  stall: { type: 'string' },
  timeout: { type: 'string' },
  reboots: { type: 'string' },
  memory: { type: 'string' },
} as const;

/** The guest run's default per-test timeout (seconds). */
export const GUEST_PER_TEST_TIMEOUT_S = 600;

const USAGE = 'usage: primeci vm [--kernel-dir DIR | --kernel IMAGE --modules DIR] [--build NAME] [--silence S] [--stall S] [--timeout S] [--reboots N] [--memory MB] -- run [RUN OPTIONS]';

export interface VmPlan {
  /** The guest run's settings, as the runner's parser read them on the host. */
  settings: RunSettings;
  /** The guest run's own arguments (after `--`). */
  guestArgs: string[];
  /** The build's name in reports (`--build`); default: the kernel's own description. */
  buildName?: string;
  /** 'default': Debian's kernel with the extra modules, built (or found in the cache) when the VM starts. */
  kernel: VmKernel | 'default';
  /** The guest's `primeci run` arguments for a fresh start. */
  runArgs: string[];
  /** Results folder on the host (and, through the share, in the guest). */
  dir: string;
  resume: boolean;
  shares: string[];
  silenceMs: number;
  stallMs: number;
  timeoutMs: number;
  reboots: number;
  memoryMb: number;
}

/** Parses the command line; usage errors are thrown as UsageError (exit 2). */
export function planVm(argv: string[], cwd = process.cwd()): VmPlan {
  const split = argv.indexOf('--');
  if (split < 0 || argv[split + 1] !== 'run') throw new UsageError(`primeci vm: expected '-- run [RUN OPTIONS]'\n${USAGE}`);
  const { values, positionals } = parse('vm', argv.slice(0, split), VM_OPTIONS);
  if (positionals.length) throw new UsageError(`primeci vm: unexpected ${positionals.join(' ')} before '--'\n${USAGE}`);
  if ((values.kernel === undefined) !== (values.modules === undefined)) {
    throw new UsageError('primeci vm: --kernel and --modules go together (the image and its modules tree)');
  }
  if (values['kernel-dir'] !== undefined && values.kernel !== undefined) {
    throw new UsageError('primeci vm: --kernel-dir and --kernel are two ways to name the kernel: give one');
  }
  const kernel =
    values['kernel-dir'] !== undefined ? kernelDir(values['kernel-dir'])
    : values.kernel !== undefined ? userKernel(values.kernel, values.modules!)
    : ({ ok: true, value: 'default' } as const);
  if (!kernel.ok) throw new UsageError(`primeci vm: ${kernel.error}`);

  // The runner's own parser checks the run options on the host, before any boot.
  const guestArgs = argv.slice(split + 2);
  const command = parseRunCommand(['--backend', 'native', ...guestArgs], cwd);
  if (command.settings.backend !== 'native') throw new UsageError('primeci vm: the guest runs the native backend (drop --backend)');
  const names = (...flags: string[]) => guestArgs.some((a) => flags.some((f) => a === f || a.startsWith(`${f}=`)));
  // One kernel for every job: like igt_runner, one test at a time unless asked
  // (vgem_basic@unload removes the module other tests use). Under TCG a test
  // runs tens of times slower than on hardware (sw_sync@sync_multi_consumer
  // took 59-117 s here): a per-test timeout sized for the emulator, unless given.
  const runArgs = [
    'run', '--backend', 'native', ...(names('--workers', '-j') ? [] : ['--workers', '1']),
    ...(names('--per-test-timeout') ? [] : ['--per-test-timeout', String(GUEST_PER_TEST_TIMEOUT_S)]),
    ...guestArgs, ...(names('--results') ? [] : ['--results', command.dir]),
  ];
  const shares = outermost([PROJECT, resolve(cwd), dirname(command.dir)]);
  for (const share of shares) {
    const bad = badSharePath(share);
    if (bad) throw new UsageError(`primeci vm: ${bad}`);
  }
  return {
    settings: command.settings,
    guestArgs,
    buildName: values.build,
    kernel: kernel.value,
    runArgs,
    dir: command.dir,
    resume: command.resume,
    shares,
    silenceMs: integer('--silence', values.silence, 120, 30) * 1000,
    stallMs: integer('--stall', values.stall, 1800, 30) * 1000,
    timeoutMs: integer('--timeout', values.timeout, 3600, 10) * 1000,
    reboots: integer('--reboots', values.reboots, 3, 0),
    memoryMb: integer('--memory', values.memory, 2048, 256),
  };
}

/** The folders to share: nested ones are reached through their parent's share. */
function outermost(paths: string[]): string[] {
  const sorted = [...new Set(paths)].sort((a, b) => a.length - b.length);
  return sorted.filter((p, i) => !sorted.slice(0, i).some((q) => p.startsWith(q.endsWith(sep) ? q : q + sep)));
}

function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** job.sh for the guest: the runner from the shared project, in the host's working folder. */
export function guestScript(cwd: string, args: string[]): string {
  // CI=1: plain progress lines on the serial console, which is a TTY.
  // PRIMECI_GUEST: the run's dmesg rules pass the emulator's timing warnings (runner/results/dmesg.ts).
  return `cd ${shellQuote(cwd)} && CI=1 PRIMECI_GUEST=tcg exec ${GUEST_NODE} ${shellQuote(join(PROJECT, 'bin', 'primeci.js'))} ${args.map(shellQuote).join(' ')}\n`;
}

/** Records which kernel ran the tests, so `compare` can tell two kernels apart:
 * natively the build under test is the kernel, not a simulator profile. */
export function recordGuestKernel(dir: string, kernel: VmKernel, guest: GuestKernel, buildName = kernel.build): void {
  writeMetadata(dir, {
    ...readMetadata(dir),
    build: buildName,
    'kernel-release': guest.release,
    'kernel-version': guest.version,
    'kernel-build': kernel.build,
  });
  writeFileSync(join(dir, FILES.uname), guest.uname + '\n');
  if (kernel.manifest) writeFileSync(join(dir, FILES.kernel), JSON.stringify(kernel.manifest, null, 2) + '\n');
}

/** The run folder of a kernel that never started the run. */
function recordNoBoot(plan: VmPlan & { kernel: VmKernel }, console: string): void {
  const { jobs } = selectTests(plan.settings.suites, plan.settings);
  mkdirSync(plan.dir, { recursive: true });
  fillRunFolder(plan.dir, plan.dir, plan.settings, jobs.map((j) => j.name), 'native', plan.guestArgs);
  // The guest's name, as a run that booted would have it (vm/guest/init).
  writeMetadata(plan.dir, { ...readMetadata(plan.dir), build: plan.buildName ?? plan.kernel.build, host: 'native-primeci-vm', 'kernel-build': plan.kernel.build });
  const tail = console.trimEnd().split('\n').slice(-40).join('\n');
  writeFileSync(join(plan.dir, FILES.aborted), `Aborting: the kernel under test (${plan.kernel.build}) never started the run.\nThe end of its console:\n${tail}\n`);
  writeFileSync(join(plan.dir, FILES.endtime), `${Date.now() / 1000}\n`);
  if (plan.kernel.manifest) writeFileSync(join(plan.dir, FILES.kernel), JSON.stringify(plan.kernel.manifest, null, 2) + '\n');
}

export default async function vm(argv: string[]): Promise<number> {
  const planned = planVm(argv);
  const why = vmUnavailable(planned.kernel === 'default' ? undefined : planned.kernel);
  if (why) throw new UsageError(`primeci vm: ${why}`);
  const chosen = planned.kernel === 'default' ? await defaultKernel((line) => process.stderr.write(`primeci vm: ${line}\n`)) : { ok: true as const, value: planned.kernel };
  if (!chosen.ok) throw new UsageError(`primeci vm: ${chosen.error}`);
  const plan = { ...planned, kernel: chosen.value };
  const initrd = buildInitramfs(plan.kernel, vmCacheDir());
  if (!initrd.ok) throw new UsageError(`primeci vm: ${initrd.error}`);
  mkdirSync(dirname(plan.dir), { recursive: true });
  const logs = mkdtempSync(join(tmpdir(), 'primeci-vm-console-'));
  const consoleLog = join(logs, 'console.log');
  let guest: GuestKernel | undefined;
  let status: number | undefined;
  let unbootable = false;
  try {
    for (let boot = 0; boot <= plan.reboots && status === undefined; boot++) {
      const started = existsSync(join(plan.dir, FILES.joblist));
      const args = plan.resume || started ? ['run', '--resume', plan.dir] : plan.runArgs;
      const run = await runVmJob({
        kernel: plan.kernel,
        initrd: initrd.value,
        shares: plan.shares,
        script: guestScript(process.cwd(), args),
        silenceMs: plan.silenceMs,
        stallMs: plan.stallMs,
        timeoutMs: plan.timeoutMs,
        consoleLog,
        memoryMb: plan.memoryMb,
        onLine: (line) => process.stdout.write(line + '\n'),
      });
      guest = run.guest ?? guest;
      const end = run.end;
      if (end.kind === 'poweroff' && end.jobStatus !== undefined) {
        status = end.jobStatus;
      } else if (end.kind === 'poweroff') {
        // panic=-1 and -no-reboot: a kernel panic ends QEMU as a poweroff would.
        process.stdout.write(`primeci vm: the guest stopped before its job ended (a kernel panic?)${boot < plan.reboots ? '; booting again to resume the run' : ''}\n`);
      } else if (end.kind === 'qemu-failed') {
        // QEMU could not start this kernel: no boot will, so none is tried again.
        process.stdout.write(`primeci vm: qemu failed (exit ${end.code}): ${end.stderr}\n`);
        appendFileSync(consoleLog, `qemu failed (exit ${end.code}): ${end.stderr}\n`);
        unbootable = true;
        break;
      } else {
        const what = {
          silent: `silent for ${plan.silenceMs / 1000} s (a dead kernel?)`,
          stalled: `without progress for ${plan.stallMs / 1000} s (a hung test?)`,
          timeout: `still running after ${plan.timeoutMs / 1000} s`,
        }[end.kind];
        process.stdout.write(`primeci vm: the guest was ${what}: killed it${boot < plan.reboots ? '; booting again to resume the run' : ''}\n`);
      }
    }
    if (!existsSync(join(plan.dir, FILES.joblist))) {
      // The kernel under test never got as far as the runner: that is its
      // result (every job notrun, igt@runner@aborted with the console's end),
      // as igt_runner records a machine that did not come up.
      process.stdout.write(`primeci vm: the guest never started the run: recorded as aborted (console: ${consoleLog})\n`);
      recordNoBoot(plan, readFileSync(consoleLog, 'utf8'));
    }
    appendFileSync(join(plan.dir, 'vm-console.log'), readFileSync(consoleLog));
    if (guest) recordGuestKernel(plan.dir, plan.kernel, guest, plan.buildName);
    // results.json again: with the kernel's identity, or at all when every boot hung.
    writeResults(plan.dir, generateResults(plan.dir, readSettings(plan.dir).dmesg));
    if (status === undefined && !unbootable) process.stdout.write(`primeci vm: gave up after ${plan.reboots} reboots; results so far: ${join(plan.dir, FILES.results)}\n`);
    return status ?? 1;
  } finally {
    rmSync(logs, { recursive: true, force: true });
  }
}
