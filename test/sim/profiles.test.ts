// Each kernel patch's regression scenario gives the stated IGT status on the
// buggy build and pass on the fixed one. The seed-000 case goes through the
// CLI as a user runs it (`primeci run --profile BUILD -t NAME`, results.json);
// the others run the same job in-process, with IGT's dmesg rules applied.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { runSchedule } from '../../runner/commands/explore.ts';
import { selectTests } from '../../runner/select.ts';

const root = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);

interface TestResult {
  result: string;
  out: string;
  dmesg: string;
}

async function primeciRun(build: string, suite: string, name: string): Promise<TestResult> {
  const results = mkdtempSync(join(tmpdir(), 'primeci-profile-'));
  await run(process.execPath, [
    join(root, 'bin/primeci.js'), 'run', '--profile', build, '-t', `^${name}$`,
    '--workers', '1', '--results', results, join(root, 'suites', `${suite}.yaml`),
  ], { cwd: root }).catch((e: { code?: number }) => {
    if (e.code !== 1) throw e; // 1: a test did not pass, which some cases expect
  });
  const json = JSON.parse(readFileSync(join(results, 'results.json'), 'utf8')) as { tests: Record<string, TestResult> };
  const test = json.tests[name];
  if (!test) throw new Error(`${name} missing from results of ${build}`);
  return test;
}

interface Case {
  seed: string;
  suite: string;
  test: string;
  buggy: string;
  status: string;
  fixed: string;
  /** What the buggy run's dmesg or out must show. */
  evidence: RegExp;
}

const CASES: Case[] = [
  {
    seed: '000: drm-shmem resv lock under the core mmap lock', suite: 'prime_vgem', test: 'igt@prime_vgem@sync@rcs0',
    buggy: 'linux-6.2+drm-shmem-resv-lock', status: 'incomplete',
    fixed: 'linux-6.2+drm-shmem-resv-lock+dma-buf-mmap-exporter-locks',
    evidence: /WARNING: possible recursive locking detected[\s\S]*reservation_ww_class_mutex[\s\S]*blocked for more than 120 seconds/,
  },
  {
    seed: '001: shmem free under the resv lock vs fs_reclaim', suite: 'drm_shmem_reclaim',
    test: 'igt@drm_shmem_reclaim@free-during-reclaim',
    buggy: 'linux-6.5+drm-shmem-shrinker', status: 'dmesg-warn',
    fixed: 'linux-6.5+drm-shmem-shrinker+drm-shmem-free-no-lock',
    evidence: /WARNING: possible circular locking dependency detected[\s\S]*fs_reclaim[\s\S]*reservation_ww_class_mutex/,
  },
  {
    seed: '001 on mainline', suite: 'drm_shmem_reclaim', test: 'igt@drm_shmem_reclaim@free-during-reclaim',
    buggy: 'mainline+drm-shmem-shrinker', status: 'dmesg-warn', fixed: 'mainline',
    evidence: /possible circular locking dependency/,
  },
  {
    seed: '002: vgem import with its own shmem backing', suite: 'vgem_import_mmap',
    test: 'igt@vgem_import_mmap@importer-mmap-refused',
    buggy: 'mainline+vgem-import-shmem-backing', status: 'fail', fixed: 'mainline',
    evidence: /Failed assertion: .*EINVAL/,
  },
  {
    seed: '003: dma_buf_poll before the rework', suite: 'dmabuf_poll_fences',
    test: 'igt@dmabuf_poll_fences@pollout-waits-for-writer',
    buggy: 'mainline+dma-buf-poll-legacy', status: 'fail', fixed: 'mainline',
    evidence: /Failed assertion/,
  },
  {
    seed: '003 on linux-6.1', suite: 'dmabuf_poll_fences', test: 'igt@dmabuf_poll_fences@pollout-waits-for-writer',
    buggy: 'linux-6.1+dma-buf-poll-legacy', status: 'fail', fixed: 'linux-6.1',
    evidence: /Failed assertion/,
  },
  {
    seed: '004: struct_mutex in the PRIME helpers', suite: 'prime_struct_mutex',
    test: 'igt@prime_struct_mutex@gpu-job-reads-import',
    buggy: 'mainline+prime-helpers-struct-mutex', status: 'dmesg-warn', fixed: 'mainline',
    evidence: /WARNING: possible recursive locking detected[\s\S]*&dev->struct_mutex/,
  },
  {
    seed: '004: vmap counted by each driver', suite: 'prime_struct_mutex',
    test: 'igt@prime_struct_mutex@importer-vmap-refcount',
    buggy: 'mainline+prime-helpers-struct-mutex', status: 'fail', fixed: 'mainline',
    evidence: /unmapped this kernel mapping while it was still in use/,
  },
];

/** The job run in-process on the default seed, as a worker would run it. */
function inProcess(build: string, name: string): TestResult {
  const { jobs } = selectTests([], { include: [`^${name}$`] });
  if (jobs.length !== 1) throw new Error(`${name}: ${jobs.length} jobs`);
  const attempt = runSchedule(jobs[0], build, { seed: 1 });
  return { result: attempt.status, out: attempt.out.join('\n'), dmesg: attempt.kmsg.map((r) => r.message).join('\n') };
}

const results = new Map<string, TestResult>();
for (const [i, c] of CASES.entries()) {
  for (const build of [c.buggy, c.fixed]) {
    results.set(`${build} ${c.test}`, i === 0 ? await primeciRun(build, c.suite, c.test) : inProcess(build, c.test));
  }
}

for (const c of CASES) {
  t.test(`seed ${c.seed}`, async (t) => {
    const buggy = results.get(`${c.buggy} ${c.test}`)!;
    const fixed = results.get(`${c.fixed} ${c.test}`)!;
    t.equal(buggy.result, c.status, `${c.test} on ${c.buggy}`);
    t.match(`${buggy.out}\n${buggy.dmesg}`, c.evidence, 'the failure shows why');
    t.equal(fixed.result, 'pass', `${c.test} on ${c.fixed}`);
  });
}
