// `run --reporter NAME[=FILE]` and `primeci report`: files land where asked.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { parseReporterSpec, writeReportFile, writeReports } from '../../reporters/index.ts';
import { readResults } from '../../reporters/results-reader.ts';
import { main } from '../../runner/cli.ts';

const fixtures = new URL('../fixtures/results/', import.meta.url).pathname;

t.test('NAME[=FILE] specs', async (t) => {
  t.same(parseReporterSpec('tap'), { name: 'tap' });
  t.same(parseReporterSpec('junit=out/j.xml'), { name: 'junit', file: 'out/j.xml' });
  t.same(parseReporterSpec('junit='), { name: 'junit', file: undefined });
});

t.test('writeReports: default files in the results directory, or the file given', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'primeci-write-'));
  const results = await readResults(join(fixtures, 'patch'));
  await writeReports(results, ['tap', 'junit', 'html', `markdown=${join(dir, 'sub', 'job.md')}`], dir);
  t.match(await readFile(join(dir, 'results.tap'), 'utf8'), /^TAP version 14\n/);
  t.match(await readFile(join(dir, 'junit.xml'), 'utf8'), /<testsuites /);
  t.match(await readFile(join(dir, 'index.html'), 'utf8'), /<!DOCTYPE html>/);
  t.match(await readFile(join(dir, 'sub', 'job.md'), 'utf8'), /^## primeci ci-patch: 1 failed/);
  await t.rejects(writeReports(results, ['tap', 'nope'], dir), { message: /unknown report format "nope"/ });
});

t.test("the GitHub job summary file is appended to, other files replaced", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'primeci-summary-'));
  const summary = join(dir, 'step_summary');
  await writeFile(summary, 'earlier step\n');
  await writeReportFile(summary, 'ours\n', { GITHUB_STEP_SUMMARY: summary });
  t.equal(await readFile(summary, 'utf8'), 'earlier step\nours\n');
  await writeReportFile(summary, 'replaced\n', {});
  t.equal(await readFile(summary, 'utf8'), 'replaced\n');
});

const primeci = (...args: string[]) => execa('node', ['bin/primeci.js', ...args], { reject: false });

t.test('primeci report: formats to stdout or -o, exit 2 on bad input', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'primeci-report-'));
  const out = join(dir, 'r.xml');
  t.equal(await main(['report', join(fixtures, 'igt-runner'), '--format', 'junit', '-o', out]), 0);
  t.match(await readFile(out, 'utf8'), /<testsuite name="igt@prime_busy"/);

  const tap = await primeci('report', join(fixtures, 'base'), '--format', 'tap');
  t.equal(tap.exitCode, 0);
  t.match(tap.stdout, /^TAP version 14\n[\s\S]*ok 3 - igt@prime_vgem@sync@rcs0\n/);

  const annotated = await execa('node', ['bin/primeci.js', 'report', join(fixtures, 'patch'), '--format', 'markdown', '-o', join(dir, 's.md')], {
    env: { GITHUB_ACTIONS: 'true' },
  });
  t.match(annotated.stdout, /^::error file=suites\/prime_vgem\.yaml,line=88,col=9,title=igt@prime_vgem@sync@rcs0 INCOMPLETE::/);

  const bad: [string[], string][] = [
    [[join(dir, 'none'), '--format', 'tap'], `primeci report: ${join(dir, 'none')}: no such results directory`],
    [[join(fixtures, 'base'), '--format', 'pdf'], 'primeci report: unknown report format "pdf"'],
    [[join(fixtures, 'base')], 'primeci report: --format is required'],
    [['--format', 'tap'], 'primeci report: expected one results directory'],
    [[join(fixtures, 'base'), '--format', 'tap', '--frobnicate'], "primeci report: Unknown option '--frobnicate'"],
  ];
  // In process (stderr only: stdout carries this test's TAP).
  const stderr = t.capture(process.stderr, 'write');
  for (const [args, message] of bad) {
    t.equal(await main(['report', ...args]), 2, args.join(' '));
    t.match(stderr().map((call) => String(call.args[0])).join(''), message);
  }
  stderr.restore();
});
