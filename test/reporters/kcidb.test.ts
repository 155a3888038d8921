// `report --format kcidb`: KCIDB I/O JSON for kcidb-submit, checked field by
// field and validated by KernelCI's own kcidb-io (installed by
// .ci/install-kcidb-io.sh into the user's cache).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { kcidbData, kcidbPath, kcidbStatus } from '../../reporters/formats/kcidb.ts';
import type { KcidbData } from '../../reporters/kcidb/objects.ts';
import { renderReport } from '../../reporters/index.ts';
import { readResults } from '../../reporters/results-reader.ts';
import { STATUSES, type TestrunResult } from '../../runner/results/igt.ts';
import { writeMetadata } from '../../runner/results/layout.ts';

const root = new URL('../../', import.meta.url).pathname;
const fixtures = join(root, 'test/fixtures/results');
const cli = join(root, 'bin/primeci.js');

async function kcidb(dir: string, env: Record<string, string> = {}): Promise<KcidbData> {
  return JSON.parse((await renderReport(await readResults(dir), 'kcidb', { env })).content) as KcidbData;
}

const PATCHES = [
  { subject: 'drm/shmem-helper: take the reservation lock in mmap', body: 'From 1 Mon Sep 17 00:00:00 2001\nSubject: one\n' },
  { subject: 'dma-buf: warn on a recursive dma_resv_lock', body: 'From 2 Mon Sep 17 00:00:00 2001\nSubject: two\n' },
];
const sha256sum = (file: string) =>
  spawnSync('sha256sum', [file], { encoding: 'utf8' }).stdout.slice(0, 64);

const scratch = mkdtempSync(join(tmpdir(), 'primeci-kcidb-'));
t.teardown(() => rmSync(scratch, { recursive: true, force: true }));

/** A native run in the VM on a kernel the kernel builder made from two patches. */
function nativeRun(manifest: string | undefined): string {
  const dir = mkdtempSync(join(scratch, 'run-'));
  const patches = PATCHES.map((p, i) => {
    const file = join(dir, `000${i + 1}.patch`);
    writeFileSync(file, p.body);
    return { subject: p.subject, sha256: sha256sum(file) };
  });
  const metadata = {
    name: 'vm-run',
    build: 'debian-6.1+2',
    backend: 'native',
    host: 'native-qemu',
    'kernel-release': '6.1.0-28-amd64',
    'kernel-version':
      'Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)',
    'kernel-build': '/root/.cache/primeci/kernels/abc/vmlinux',
    ...(manifest !== undefined && {
      'kernel-manifest': manifest || JSON.stringify({ source: 'linux-source-6.1', version: '6.1.192', config: 'debian', patches }),
    }),
  };
  writeMetadata(dir, metadata);
  const base = JSON.parse(readFileSync(join(fixtures, 'patch/results.json'), 'utf8')) as TestrunResult;
  const results: TestrunResult = {
    ...base,
    name: 'vm-run',
    uname: 'Linux primeci 6.1.0-28-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22) x86_64 GNU/Linux',
  };
  delete results.metadata;
  writeFileSync(join(dir, 'results.json'), JSON.stringify(results));
  return dir;
}

/** A run whose text KCIDB would refuse as is: NUL bytes, a huge kernel log, a source URL with spaces. */
function hostileRun(): string {
  const dir = nativeRun(JSON.stringify({ source: 'https://git example/linux x', version: 'v6.1', config: 'c\0', patches: [] }));
  const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as TestrunResult;
  const test = results.tests['igt@prime_vgem@basic-read']!;
  test.result = 'dmesg-warn';
  test.err = 'CRITICAL: \0 bad\n';
  test['dmesg-warnings'] = Array.from({ length: 2000 }, (_, i) => `<4> [${i}.000000] WARNING: at drivers/dma-buf/dma-resv.c:${i}`).join('\n');
  writeFileSync(join(dir, 'results.json'), JSON.stringify(results));
  return dir;
}

t.test('statuses: KCIDB FAIL for a faulty kernel, ERROR for an unfinished test, MISS for one never run', async (t) => {
  t.same(Object.fromEntries(STATUSES.map((s) => [s, kcidbStatus(s)])), {
    crash: 'ERROR',
    pass: 'PASS',
    'dmesg-fail': 'FAIL',
    'dmesg-warn': 'FAIL',
    skip: 'SKIP',
    incomplete: 'ERROR',
    abort: 'ERROR',
    timeout: 'ERROR',
    notrun: 'MISS',
    fail: 'FAIL',
    warn: 'FAIL',
  });
});

t.test("paths: IGT's @-separated names as KCIDB's dotted tree", async (t) => {
  t.equal(kcidbPath('igt@prime_vgem@sync@rcs0'), 'igt.prime_vgem.sync.rcs0');
  t.equal(kcidbPath('igt@prime_self_import@basic-with_one_bo'), 'igt.prime_self_import.basic-with_one_bo');
  t.equal(kcidbPath('igt@kms_x@a.b c'), 'igt.kms_x.a_b_c', 'a character KCIDB refuses in a path part becomes _');
  t.equal(kcidbPath('gem_foo@bar'), 'igt.gem_foo.bar');
});

t.test('the simulator: its kernel build is the checkout and build; every result is a test', async (t) => {
  const base = await kcidb(join(fixtures, 'base'));
  const patch = await kcidb(join(fixtures, 'patch'));
  t.same(patch.version, { major: 5, minor: 3 });
  t.equal(patch.checkouts.length, 1);
  t.equal(patch.builds.length, 1);
  const [checkout] = patch.checkouts;
  const [build] = patch.builds;
  t.match(checkout, {
    id: /^primeci:checkout-[0-9a-f]{20}$/,
    origin: 'primeci',
    comment: 'primeci simulator: model of linux-6.2 with drm-shmem-resv-lock',
    valid: true,
    start_time: new Date(1763700100 * 1000).toISOString(),
    misc: { simulator: true, profile: 'linux-6.2', patches: ['drm-shmem-resv-lock'] },
  });
  t.match(build, { id: /^primeci:build-/, checkout_id: checkout!.id, origin: 'primeci', config_name: 'linux-6.2', status: 'PASS' });
  t.not(base.builds[0]!.id, build!.id, 'another kernel build, another build id');
  t.equal((await kcidb(join(fixtures, 'patch'))).builds[0]!.id, build!.id, 'the same build gives the same id every time');

  t.same(
    patch.tests.map((test) => [test.path, test.status]),
    [
      ['igt.prime_self_import.basic-with_one_bo', 'PASS'],
      ['igt.prime_vgem.basic-read', 'PASS'],
      ['igt.prime_vgem.sync.rcs0', 'ERROR'],
      ['igt.vgem_basic.dmabuf-mmap', 'PASS'],
      ['igt.dmabuf_sync_file.export-basic', 'SKIP'],
    ],
  );
  const ids = new Set(patch.tests.map((test) => test.id));
  t.equal(ids.size, patch.tests.length, 'test ids are unique');
  t.notOk(base.tests.some((test) => ids.has(test.id)), 'another run, other test ids');
  const hang = patch.tests[2]!;
  t.match(hang, {
    id: /^primeci:run-[0-9a-f]{20}\/igt@prime_vgem@sync@rcs0$/,
    build_id: build!.id,
    duration: 10,
    environment: { comment: 'sim-host', misc: { host: 'sim-host', backend: 'sim' } },
    misc: { igt_name: 'igt@prime_vgem@sync@rcs0', igt_status: 'incomplete' },
  });
  t.match(hang.log_excerpt, /blocked forever in dma_resv_lock[\s\S]*at suites\/prime_vgem\.yaml:88:9[\s\S]*possible recursive locking detected/);
  t.equal(patch.tests[4]!.log_excerpt, 'backend does not support op dmabuf_export_sync_file', 'a skip says why');
  t.notOk('log_excerpt' in patch.tests[0]!, 'a pass has no excerpt');
});

t.test("igt_runner's own results: the kernel from uname, dmesg-warn a FAIL with the warning, notrun a MISS", async (t) => {
  const data = await kcidb(join(fixtures, 'igt-runner'));
  t.match(data.checkouts[0], { comment: 'Linux 6.2.0-CI_DRM_13225', misc: { release: '6.2.0-CI_DRM_13225' } });
  t.notOk('patchset_hash' in data.checkouts[0]!, 'without a manifest nobody knows which patches were applied');
  t.match(data.builds[0], { architecture: 'x86_64', status: 'PASS', misc: { kernel_release: '6.2.0-CI_DRM_13225' } });
  const byPath = Object.fromEntries(data.tests.map((test) => [test.path, test]));
  t.match(byPath['igt.vgem_basic.dmabuf-fence'], { status: 'FAIL', log_excerpt: /WARNING: CPU: 1 PID: 2211 at drivers\/dma-buf\/dma-resv\.c:301/ });
  t.match(byPath['igt.prime_busy.before.rcs0'], { status: 'FAIL', log_excerpt: /CRITICAL: Test assertion failure/ });
  t.match(byPath['igt.vgem_basic.unload'], { status: 'MISS', misc: { igt_status: 'notrun' } });
  t.notOk('duration' in byPath['igt.vgem_basic.unload']!, 'a test that never ran has no duration');
});

t.test("a real kernel: the VM's kernel-* metadata and the kernel builder's manifest", async (t) => {
  const dir = nativeRun('');
  const data = await kcidb(dir, { PRIMECI_KCIDB_ORIGIN: 'my_lab' });
  // KCIDB's documented recipe, run on the patch files themselves.
  const recipe = spawnSync('sh', ['-c', 'sha256sum *.patch | cut -c-64 | sha256sum | cut -c-64'], { cwd: dir, encoding: 'utf8' });
  t.match(data.checkouts[0], {
    id: /^my_lab:checkout-/,
    origin: 'my_lab',
    tree_name: 'linux-source-6.1',
    patchset_hash: recipe.stdout.trim(),
    comment: 'linux-source-6.1 6.1.192 with 2 patches',
    misc: { source: 'linux-source-6.1', version: '6.1.192', patches: [{ subject: PATCHES[0]!.subject }, { subject: PATCHES[1]!.subject }] },
  });
  t.match(recipe.stdout, /^[0-9a-f]{64}\n$/);
  t.match(data.builds[0], {
    origin: 'my_lab',
    checkout_id: data.checkouts[0]!.id,
    comment: '6.1.0-28-amd64 (/root/.cache/primeci/kernels/abc/vmlinux)',
    architecture: 'x86_64',
    compiler: 'gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40',
    config_name: 'debian',
    misc: { kernel_release: '6.1.0-28-amd64', kernel_build: '/root/.cache/primeci/kernels/abc/vmlinux' },
  });
  t.ok(data.tests.every((test) => test.origin === 'my_lab' && test.id.startsWith('my_lab:')));

  const withoutManifest = await kcidb(nativeRun(undefined));
  t.match(withoutManifest.checkouts[0], { comment: 'Linux 6.1.0-28-amd64' });
  t.not(withoutManifest.checkouts[0]!.id, (await kcidb(dir)).checkouts[0]!.id, 'a patched source is another checkout');

  const git = JSON.stringify({ source: 'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git', version: 'a'.repeat(40), config: 'x', patches: [] });
  t.match((await kcidb(nativeRun(git))).checkouts[0], {
    git_repository_url: 'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git',
    git_commit_hash: 'a'.repeat(40),
    patchset_hash: '',
  });
});

t.test('text KCIDB refuses is cleaned: NUL dropped, excerpts cut to 16384 characters, a bad URL kept as a tree name', async (t) => {
  const { content } = await renderReport(await readResults(hostileRun()), 'kcidb', { env: {} });
  t.notMatch(content, /\\u0000/, 'no NUL anywhere');
  const data = JSON.parse(content) as KcidbData;
  const warned = data.tests.find((test) => test.path === 'igt.prime_vgem.basic-read')!;
  t.equal(warned.status, 'FAIL');
  t.equal(warned.log_excerpt!.length, 16384);
  t.match(warned.log_excerpt, /dma-resv\.c:1999$/, 'the end of the log is kept');
  t.match(data.checkouts[0], { tree_name: 'https://git example/linux x' });
  t.notOk('git_repository_url' in data.checkouts[0]!);
});

t.test('bad input: exit 2 naming the metadata key or the variable', async (t) => {
  const run = (dir: string, env: Record<string, string> = {}) =>
    execa(process.execPath, [cli, 'report', dir, '--format', 'kcidb'], { reject: false, env });
  const [garbage, badHash, origin] = await Promise.all([
    run(nativeRun('{"source": "x"')),
    run(nativeRun(JSON.stringify({ source: 'x', version: '1', config: 'c', patches: [{ subject: 's', sha256: 'abc' }] }))),
    run(join(fixtures, 'base'), { PRIMECI_KCIDB_ORIGIN: 'My-Lab' }),
  ]);
  t.equal(garbage.exitCode, 2);
  t.match(garbage.stderr, /^primeci report: run vm-run: metadata "kernel-manifest": not JSON: /);
  t.equal(badHash.exitCode, 2);
  t.match(badHash.stderr, /metadata "kernel-manifest": patches\.0\.sha256: expected 64 lowercase hex digits/);
  t.equal(origin.exitCode, 2);
  t.match(origin.stderr, /PRIMECI_KCIDB_ORIGIN=My-Lab: a KCIDB origin is lowercase letters, digits and '_'/);
  t.notMatch(`${garbage.stderr}${badHash.stderr}${origin.stderr}`, /\n\s+at /, 'no stack trace');

  const results = await readResults(join(fixtures, 'base'));
  results.time_elapsed.start = 1e300;
  t.notOk('start_time' in kcidbData(results, 'primeci').checkouts[0]!, 'a start time past what a date can hold is left out');
});

// KernelCI's own validator, as kcidb-submit runs it.
const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'primeci');
const python = join(cache, 'kcidb-io', 'bin', 'python3');
const unavailable = join(cache, 'kcidb-io.unavailable');
const haveKcidbIo = existsSync(python);
const whyNot = existsSync(unavailable)
  ? `kcidb-io could not be installed here: ${readFileSync(unavailable, 'utf8').split('\n')[0]}`
  : 'kcidb-io is not installed (bash .ci/install-kcidb-io.sh)';
if (!haveKcidbIo && process.env.CI && !existsSync(unavailable)) {
  t.fail('kcidb-io is missing on CI: .ci/install-kcidb-io.sh should have installed it or said why it could not');
}

const VALIDATE = `
import json, sys
from kcidb_io import schema
failed = 0
for path in sys.argv[1:]:
    data = json.load(open(path))
    try:
        schema.V5_3.validate_exactly(data)
        schema.LATEST.validate(data)
    except Exception as error:
        failed += 1
        print(f"{path}: {type(error).__name__}: {str(error).splitlines()[0]}")
sys.exit(1 if failed else 0)
`;

t.test("kcidb-io's schema accepts every report", { skip: haveKcidbIo ? false : whyNot }, async (t) => {
  const out = mkdtempSync(join(scratch, 'out-'));
  const runs = [join(fixtures, 'base'), join(fixtures, 'patch'), join(fixtures, 'igt-runner'), nativeRun(''), nativeRun(undefined), hostileRun()];
  const files = await Promise.all(
    runs.map(async (dir, i) => {
      const file = join(out, `${i}.json`);
      writeFileSync(file, JSON.stringify(await kcidb(dir)));
      return file;
    }),
  );
  const good = spawnSync(python, ['-c', VALIDATE, ...files], { encoding: 'utf8' });
  t.equal(good.status, 0, good.stdout + good.stderr);

  // The validator does validate: a path with IGT's @ and an unknown status are refused.
  const broken = JSON.parse(readFileSync(files[1]!, 'utf8')) as KcidbData;
  broken.tests[0]!.path = 'igt@prime_vgem@basic-read';
  (broken.tests[1] as { status: string }).status = 'INCOMPLETE';
  writeFileSync(join(out, 'broken.json'), JSON.stringify(broken));
  const bad = spawnSync(python, ['-c', VALIDATE, join(out, 'broken.json')], { encoding: 'utf8' });
  t.equal(bad.status, 1);
  t.match(bad.stdout, /broken\.json: ValidationError: /);
});
