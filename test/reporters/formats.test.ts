// Each report format, made from the same results directories, checked for content.
import { XMLParser } from 'fast-xml-parser';
import { join } from 'node:path';
import { Parser } from 'tap-parser';
import t from 'tap';
import { parse as parseYaml } from 'yaml';
import { listReporters, renderReport } from '../../reporters/index.ts';
import { readResults } from '../../reporters/results-reader.ts';

const fixtures = new URL('../fixtures/results/', import.meta.url).pathname;
const quiet = { env: {} };

t.test('every format is registered from reporters/formats/', async (t) => {
  t.same((await listReporters()).map((r) => r.name).sort(), ['console', 'html', 'json', 'junit', 'kcidb', 'markdown', 'tap']);
  await t.rejects(renderReport(await readResults(join(fixtures, 'base')), 'xunit', quiet), {
    name: 'ReportError',
    message: 'unknown report format "xunit" (known: console, html, json, junit, kcidb, markdown, tap)',
  });
});

t.test('tap: TAP 14 that a TAP parser accepts, with YAML diagnostics and SKIP reasons', async (t) => {
  const { content } = await renderReport(await readResults(join(fixtures, 'patch')), 'tap', quiet);
  t.match(content, /^TAP version 14\n/);
  const parser = new Parser();
  const done = new Promise<NonNullable<Parser['results']>>((resolve) => parser.on('complete', resolve));
  parser.end(content);
  const summary = await done;
  t.equal(summary.ok, false);
  t.same({ count: summary.count, pass: summary.pass, fail: summary.fail, skip: summary.skip }, { count: 5, pass: 4, fail: 1, skip: 1 });
  t.same(
    summary.failures.map((f) => f.name),
    ['igt@prime_vgem@sync@rcs0'],
  );
  t.match(content, /\nok 5 - igt@dmabuf_sync_file@export-basic # SKIP backend does not support op dmabuf_export_sync_file\n/);

  const block = /not ok 3 - igt@prime_vgem@sync@rcs0\n {2}---\n([\s\S]*?)\n {2}\.\.\./.exec(content);
  t.ok(block, 'the failing test has a YAML block');
  const diag = parseYaml(block![1]!.replace(/^ {2}/gm, ''));
  t.same(diag, {
    status: 'incomplete',
    time: 10,
    failing: ['mmap: thread 0 blocked forever in dma_resv_lock: no runnable thread (deadlock)', '  at suites/prime_vgem.yaml:88:9'],
    dmesg_warnings: [
      '<4> [0.001201] WARNING: possible recursive locking detected',
      '<4> [0.001205] (reservation_ww_class_mutex){+.+.}, at: drm_gem_shmem_mmap+0x30/0x120',
    ],
  });
});

t.test("tap: IGT's own skip and failure lines", async (t) => {
  const { content } = await renderReport(await readResults(join(fixtures, 'igt-runner')), 'tap', quiet);
  t.match(content, /ok 2 - igt@prime_vgem@coherency-gtt # SKIP gem_has_mappable_ggtt\(i915\)\n/);
  t.match(content, /ok 5 - igt@vgem_basic@unload # SKIP notrun\n/);
  t.match(content, /not ok 3 - igt@prime_busy@before@rcs0\n[\s\S]*?failing:\n\s+- "\(prime_busy:2210\) CRITICAL: Test assertion failure/);
  t.match(content, /not ok 4 - igt@vgem_basic@dmabuf-fence\n[\s\S]*?dmesg_warnings:\n\s+- .*dma_resv_add_fence/);
});

// The attributes GitLab's unit-test report parser and Jenkins' junit plugin read.
t.test('junit: the structure and attributes GitLab and Jenkins read', async (t) => {
  const { content } = await renderReport(await readResults(join(fixtures, 'igt-runner')), 'junit', quiet);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name) }).parse(content);
  const root = doc.testsuites;
  t.match(root, { tests: '5', failures: '2', errors: '0', skipped: '2' });
  t.same(root.testsuite.map((s: { name: string }) => s.name), ['igt@prime_self_import', 'igt@prime_vgem', 'igt@prime_busy', 'igt@vgem_basic']);
  const vgem = root.testsuite[3];
  t.match(vgem, { tests: '2', failures: '1', errors: '0', skipped: '1', time: '0.010', hostname: 'shard-snb5', timestamp: '2025-11-21T04:40:00' });
  t.same(vgem.properties.property.find((p: { name: string }) => p.name === 'dmesg_warn_level'), { name: 'dmesg_warn_level', value: '4' });
  const [fence, unload] = vgem.testcase;
  t.match(fence, { classname: 'igt.vgem_basic', name: 'dmabuf-fence', time: '0.010' });
  t.match(fence.failure, { type: 'dmesg-warn', message: /^dmesg-warn: <4> \[102\.500000\] WARNING: CPU: 1/ });
  t.match(fence['system-err'], /--- dmesg ---\n<4> \[102\.500000\] WARNING/);
  t.match(unload, { name: 'unload', skipped: { message: 'notrun' } });
  const busy = root.testsuite[2].testcase[0];
  t.match(busy.failure, { type: 'fail', '#text': /Failed assertion: prime_busy\(&pfd, false\)/ });
  t.equal(root.testsuite[1].testcase[0].skipped.message, 'gem_has_mappable_ggtt(i915)');
  t.notOk('file' in busy, "IGT's own results name no scenario file");
});

t.test('junit: crashes and hangs are <error>, scenario files come from the failing step, control bytes are removed', async (t) => {
  const results = await readResults(join(fixtures, 'patch'));
  results.tests['igt@prime_vgem@basic-read']!.out += 'garbage \u0001\u001b[0m byte\n';
  const { content } = await renderReport(results, 'junit', quiet);
  t.notMatch(content, /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/, 'no character XML 1.0 forbids');
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(content);
  const vgem = doc.testsuites.testsuite.find((s: { name: string }) => s.name === 'igt@prime_vgem');
  const sync = vgem.testcase.find((c: { name: string }) => c.name === 'sync@rcs0');
  t.match(sync, { classname: 'igt.prime_vgem', file: 'suites/prime_vgem.yaml', time: '10.000' });
  t.match(sync.error, { type: 'incomplete', message: /^incomplete: mmap: thread 0 blocked forever/ });
  t.notOk(sync.failure);
  t.equal(vgem.testcase.find((c: { name: string }) => c.name === 'basic-read').file, 'suites/prime_vgem.yaml');
  t.match(doc.testsuites, { tests: '5', failures: '0', errors: '1', skipped: '1', name: 'ci-patch (linux-6.2+drm-shmem-resv-lock)' });
});

t.test('json: the results.json model, which reads back the same', async (t) => {
  const results = await readResults(join(fixtures, 'patch'));
  const { content } = await renderReport(results, 'json', quiet);
  t.same(JSON.parse(content), results);
});

t.test('markdown: a job summary listing failures with their scenario position', async (t) => {
  const { content, annotations } = await renderReport(await readResults(join(fixtures, 'patch')), 'markdown', quiet);
  t.match(content, /^## primeci ci-patch: 1 failed\n/);
  t.match(content, /Build `linux-6\.2\+drm-shmem-resv-lock` on `sim-host` \(sim backend\): 3 pass, 1 skip, 1 incomplete\./);
  t.match(content, /\| `igt@prime_vgem@sync@rcs0` \| INCOMPLETE \| suites\/prime_vgem\.yaml:88:9 \|/);
  t.match(content, /<details><summary><code>igt@prime_vgem@sync@rcs0<\/code>: INCOMPLETE<\/summary>/);
  t.same(annotations, [], 'no workflow commands outside GitHub Actions');
  const clean = await renderReport(await readResults(join(fixtures, 'base')), 'markdown', quiet);
  t.match(clean.content, /^## primeci ci-base: all passed\n/);
  t.notMatch(clean.content, /\| Test \|/);
});

t.test('markdown on GitHub Actions: ::error annotations, escaped, at most 10', async (t) => {
  const results = await readResults(join(fixtures, 'patch'));
  const sync = results.tests['igt@prime_vgem@sync@rcs0']!;
  sync.out = 'write: 100% of 4096 bytes, got EDEADLK\r\n  at suites/prime_vgem.yaml:88:9\n';
  sync['dmesg-warnings'] = '';
  const { annotations } = await renderReport(results, 'markdown', { env: { GITHUB_ACTIONS: 'true' } });
  t.same(annotations, [
    '::error file=suites/prime_vgem.yaml,line=88,col=9,title=igt@prime_vgem@sync@rcs0 INCOMPLETE::write: 100%25 of 4096 bytes, got EDEADLK%0A  at suites/prime_vgem.yaml:88:9',
  ]);

  for (let i = 0; i < 12; i++) results.tests[`igt@many@t${i}`] = { ...sync, out: `bad, really: ${i}\n  at suites/a,b:c.yaml:${i + 1}:3\n` };
  const warned = structuredClone(results);
  warned.tests['igt@prime_vgem@sync@rcs0'] = { ...sync, out: '', 'dmesg-warnings': Array.from({ length: 8 }, (_, i) => `<4> [0.1] line ${i}`).join('\n') };
  t.equal(
    (await renderReport(warned, 'markdown', { env: { GITHUB_ACTIONS: 'true' } })).annotations![0],
    '::error title=igt@prime_vgem@sync@rcs0 INCOMPLETE::<4> [0.1] line 0%0A<4> [0.1] line 1%0A<4> [0.1] line 2%0A<4> [0.1] line 3%0A<4> [0.1] line 4',
    'without a failing step: the start of the kernel warning, no file',
  );
  const many = (await renderReport(results, 'markdown', { env: { GITHUB_ACTIONS: 'true' } })).annotations!;
  t.equal(many.length, 10);
  t.equal(many[1], '::error file=suites/a%2Cb%3Ac.yaml,line=1,col=3,title=igt@many@t0 INCOMPLETE::bad, really: 0%0A  at suites/a,b:c.yaml:1:3');
});

t.test('console: the run summary as a format', async (t) => {
  const { content } = await renderReport(await readResults(join(fixtures, 'patch')), 'console', quiet);
  t.match(content, /igt@prime_vgem@sync@rcs0/);
  t.match(content, /INCOMPLETE/);
});
