// npm run bench: the runner's speed, measured in one go and written to
// bench/results.json (and a short table in bench/results.md). Speed is measured
// here, never asserted in tests.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/primeci.js');
const scratch = mkdtempSync(join(tmpdir(), 'primeci-bench-'));

/** Wall seconds of one primeci command (its exit code is not the point here). */
async function timed(args: string[]): Promise<number> {
  const started = performance.now();
  await execa('node', [BIN, ...args], { cwd: scratch, reject: false, env: { CI: 'true' } });
  return (performance.now() - started) / 1000;
}

async function median(times: number, f: () => Promise<number>): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < times; i++) runs.push(await f());
  runs.sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)];
}

let runCount = 0;
const results = () => join(scratch, `run${runCount++}`);

const TRIVIAL = 'suite: trivial\nsummary: one op\nrequires: [vgem]\nsubtests:\n  - name: open\n    steps:\n      - open: {driver: vgem, as: fd}\n';

async function main(): Promise<void> {
  writeFileSync(join(scratch, 'trivial.yaml'), TRIVIAL);
  const suites = readdirSync(join(ROOT, 'suites')).filter((f) => f.endsWith('.yaml')).length;
  const figures: Record<string, number> = {};

  figures['cli_startup_s'] = await median(5, () => timed(['--help']));
  figures['list_all_suites_s'] = await median(3, () => timed(['list']));
  // One trivial job: CLI start, loading the suite and backend, one worker's start, one job, results.
  figures['run_one_trivial_job_s'] = await median(3, () => timed(['run', 'trivial.yaml', '--results', results(), '-j', '1']));
  // The slope between 50 and 450 repetitions of a trivial job is the cost of a job in a warm worker.
  const few = await median(3, () => timed(['run', 'trivial.yaml', '--repeat', '50', '--results', results(), '-j', '1']));
  const many = await median(3, () => timed(['run', 'trivial.yaml', '--repeat', '450', '--results', results(), '-j', '1']));
  figures['per_job_overhead_warm_worker_ms'] = ((many - few) / 400) * 1000;
  figures['full_sim_suite_1_worker_s'] = await median(3, () => timed(['run', '--results', results(), '-j', '1']));
  figures['full_sim_suite_2_workers_s'] = await median(3, () => timed(['run', '--results', results(), '-j', '2']));
  figures['suites'] = suites;

  const extra = await optionalFigures();
  const report = { date: new Date().toISOString(), node: process.version, cpus: (await import('node:os')).availableParallelism(), runner: figures, ...extra };
  const flat = (r: { runner: Record<string, number> } & Record<string, unknown>) => ({
    ...r.runner,
    ...Object.fromEntries(
      Object.entries(r)
        .filter(([group, f]) => group !== 'runner' && f !== null && typeof f === 'object')
        .flatMap(([group, f]) => Object.entries(f as Record<string, number>).map(([k, v]) => [`${group}.${k}`, v])),
    ),
  });
  const resultsFile = join(ROOT, 'bench/results.json');
  const previous: Record<string, number> = existsSync(resultsFile) ? flat(JSON.parse(readFileSync(resultsFile, 'utf8'))) : {};
  writeFileSync(resultsFile, JSON.stringify(report, null, 2) + '\n');
  const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(3));
  const change = (k: string, v: number) => (previous[k] === undefined || previous[k] === 0 ? '' : `${v >= previous[k] ? '+' : ''}${(((v - previous[k]) / previous[k]) * 100).toFixed(1)}% (was ${fmt(previous[k])})`);
  const rows = Object.entries(flat(report));
  const table = ['| measure | value | change |', '|---|---|---|', ...rows.map(([k, v]) => `| ${k} | ${fmt(v)} | ${change(k, v)} |`)].join('\n');
  writeFileSync(join(ROOT, 'bench/results.md'), `# primeci benchmark (${report.date}, Node ${report.node}, ${report.cpus} CPUs)\n\n${table}\n`);
  process.stdout.write(table + '\n\nwritten to bench/results.json and bench/results.md\n');
}

/** Figures the backends measure themselves, when their modules are there. */
async function optionalFigures(): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  const sources: [string, string, string][] = [
    ['sim', './sim.ts', 'benchSim'],
    ['native', './native.ts', 'benchNative'],
    ['reporters', './reporters.ts', 'benchReporters'],
    ['kernel', './kernel.ts', 'benchKernel'],
  ];
  for (const [name, module, fn] of sources) {
    try {
      const mod = (await import(module)) as Record<string, () => Promise<Record<string, number>>>;
      out[name] = await mod[fn]();
    } catch (e) {
      process.stderr.write(`bench ${name}: ${(e as Error).message}\n`);
    }
  }
  return out;
}

try {
  await main();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
