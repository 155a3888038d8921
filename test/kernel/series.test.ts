// kernel/series.ts on git format-patch output (files, --stdout mbox, a cover
// letter) and on a Patchwork series mbox, made from the same three commits.
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { parseSeries, readSeries, touchedPaths, type PatchSeries } from '../../kernel/series.ts';
import { KernelBuildError } from '../../kernel/errors.ts';

const fixtures = new URL('../fixtures/series/', import.meta.url).pathname;
const inDir = async (dir: string) => (await readdir(join(fixtures, dir))).sort().map((name) => join(fixtures, dir, name));
const formatPatch = () => inDir('format-patch');
const v2Files = () => inDir('v2');
const text = (path: string) => readFile(path, 'utf8');

/** The diff as git format-patch wrote it: from "diff --git" to the "-- " signature. */
function diffIn(mail: string): string {
  return mail.slice(mail.indexOf('\ndiff --git ') + 1, mail.lastIndexOf('\n-- \n') + 1);
}
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The parse's error message, failing the test if it parsed or threw something else. */
async function usageError(t: Test, promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  t.type(error, KernelBuildError);
  return (error as Error | undefined)?.message ?? '(parsed)';
}

t.test('three git format-patch files: numbers, headers, files and hashes', async (t) => {
  const paths = await formatPatch();
  const series = await readSeries(paths);
  t.equal(series.name, 'drm/vgem: reject a fence attach without a handle', 'named after patch 1 without a cover letter');
  t.equal(series.version, 1);
  t.equal(series.cover, null);
  t.same(
    series.patches.map((p) => [p.index, p.total, p.version, p.subject, p.fullSubject, p.author, p.date, p.source]),
    [
      [1, 3, 1, 'drm/vgem: reject a fence attach without a handle', '[PATCH 1/3] drm/vgem: reject a fence attach without a handle', 'Ada Kernel <ada@example.org>', '2026-11-03T09:00:00.000Z', paths[0]],
      [2, 3, 1, 'dma-buf: trace mmap of an exported buffer', '[PATCH 2/3] dma-buf: trace mmap of an exported buffer', 'Ada Kernel <ada@example.org>', '2026-11-03T09:00:01.000Z', paths[1]],
      [
        3,
        3,
        1,
        'dma-buf: rename selftest.h to selftests.h, drop the old sysfs stub',
        '[PATCH 3/3] dma-buf: rename selftest.h to selftests.h, drop the old sysfs stub',
        'Bob Reviewer <bob@example.com>',
        '2026-11-03T09:00:02.000Z',
        paths[2],
      ],
    ],
  );
  t.match(series.patches[0]!.messageId, /^<e22dbf7c59dbfa821253c14fbb606729e0d251c3\.\d+\.git\.ada@example\.org>$/);
  t.same(series.patches[0]!.files, [{ change: 'modify', oldPath: 'drivers/gpu/drm/vgem/vgem_fence.c', newPath: 'drivers/gpu/drm/vgem/vgem_fence.c' }]);
  t.same(series.patches[1]!.files, [
    { change: 'add', oldPath: null, newPath: 'drivers/dma-buf/dma-buf-trace.h' },
    { change: 'modify', oldPath: 'drivers/dma-buf/dma-buf.c', newPath: 'drivers/dma-buf/dma-buf.c' },
  ]);
  t.same(series.patches[2]!.files, [
    { change: 'delete', oldPath: 'drivers/dma-buf/dma-buf-sysfs-old.c', newPath: null },
    { change: 'rename', oldPath: 'drivers/dma-buf/selftest.h', newPath: 'drivers/dma-buf/selftests.h' },
  ]);
  t.same(touchedPaths(series.patches[2]!), ['drivers/dma-buf/dma-buf-sysfs-old.c', 'drivers/dma-buf/selftest.h', 'drivers/dma-buf/selftests.h']);
  for (const [k, patch] of series.patches.entries()) {
    const file = await text(paths[k]!);
    t.equal(patch.mail, file, `patch ${k + 1}: the mail is the file as git am takes it`);
    t.equal(patch.sha256, sha256(diffIn(file)), `patch ${k + 1}: sha256 of the diff without the signature`);
  }
  t.equal(new Set(series.patches.map((p) => p.sha256)).size, 3);
});

t.test('the --stdout mbox gives the same series as the files', async (t) => {
  const files = await readSeries(await formatPatch());
  const mbox = await readSeries([join(fixtures, 'series.mbox')]);
  const strip = (s: PatchSeries) => s.patches.map(({ source: _source, mail: _mail, ...rest }) => rest);
  t.same(strip(mbox), strip(files));
  t.same(
    mbox.patches.map((p) => p.source),
    [1, 32, 84].map((line) => `${join(fixtures, 'series.mbox')}:${line}`),
    'each mail named by its first line in the mbox',
  );
  t.match(mbox.patches[1]!.mail, /^From 2abf2915a8d94edbc59f0cdf346e74cff79f115b Mon Sep 17 00:00:00 2001\n/);
  t.match(mbox.patches[1]!.mail, /\nFrom the dma-buf documentation: "mmap is the exporter's business", but\n/, 'a body line starting "From " does not split the mbox');
});

t.test('a v2 series with a cover letter; an in-body From: names the author', async (t) => {
  const series = await readSeries(await v2Files());
  t.equal(series.name, 'dma-buf, vgem: checks and tracing for buffer sharing');
  t.equal(series.version, 2);
  t.match(series.cover, {
    total: 3,
    version: 2,
    subject: 'dma-buf, vgem: checks and tracing for buffer sharing',
    fullSubject: '[PATCH v2 0/3] dma-buf, vgem: checks and tracing for buffer sharing',
    messageId: /^<cover\.\d+\.git\.ada@example\.org>$/,
  });
  t.same(
    series.patches.map((p) => [p.index, p.total, p.version]),
    [
      [1, 3, 2],
      [2, 3, 2],
      [3, 3, 2],
    ],
  );
  t.match(series.patches[2]!.mail, /\nFrom: Ada Kernel <ada@example\.org>\n/, 'sent by Ada');
  t.equal(series.patches[2]!.author, 'Bob Reviewer <bob@example.com>', 'written by Bob, as git am records it');
  const v1 = await readSeries(await formatPatch());
  t.same(
    series.patches.map((p) => p.sha256),
    v1.patches.map((p) => p.sha256),
    'a resend with a new subject, date and Message-ID hashes the same',
  );
});

t.test("Patchwork's series mbox: same patches, same hashes", async (t) => {
  const pw = await readSeries([join(fixtures, 'patchwork-series.mbox')]);
  const v2 = await readSeries(await v2Files());
  t.equal(pw.cover, null, 'Patchwork serves the cover letter separately');
  t.same(
    pw.patches.map((p) => [p.index, p.total, p.version, p.subject, p.author, p.messageId, p.sha256, p.files]),
    v2.patches.map((p) => [p.index, p.total, p.version, p.subject, p.author, p.messageId, p.sha256, p.files]),
  );
  t.match(pw.patches[0]!.mail, /^From patchwork Tue Nov {2}3 09:00:00 2026\n/);
});

const hasGit = (await execa('git', ['--version'], { reject: false }).catch(() => undefined))?.exitCode === 0;

t.test('git am applies the mails in order', { skip: hasGit ? false : 'git is not installed' }, async (t) => {
  for (const input of [join(fixtures, 'patchwork-series.mbox'), join(fixtures, 'series.mbox')]) {
    const dir = await mkdtemp(join(tmpdir(), 'primeci-series-'));
    await cp(join(fixtures, 'base-tree'), dir, { recursive: true });
    const run = (args: string[], stdin?: string) =>
      execa('git', ['-c', 'user.name=CI', '-c', 'user.email=ci@example.org', ...args], { cwd: dir, reject: false, ...(stdin === undefined ? {} : { input: stdin }) });
    await run(['init', '-q']);
    await run(['add', '-A']);
    await run(['commit', '-q', '-m', 'base']);
    for (const patch of (await readSeries([input])).patches) {
      const am = await run(['am', '-q'], patch.mail);
      t.equal(am.exitCode, 0, `${input}: git am patch ${patch.index}: ${am.stderr}`);
    }
    const log = await run(['log', '--format=%an|%s', '-3']);
    t.equal(
      log.stdout,
      [
        'Bob Reviewer|dma-buf: rename selftest.h to selftests.h, drop the old sysfs stub',
        'Ada Kernel|dma-buf: trace mmap of an exported buffer',
        'Ada Kernel|drm/vgem: reject a fence attach without a handle',
      ].join('\n'),
    );
    t.match(await readFile(join(dir, 'drivers/dma-buf/selftests.h'), 'utf8'), /selftest\(dma_resv, dma_resv\)/);
  }
});

t.test('subject forms: vN, RFC, RESEND, list tags, a lone [PATCH]', async (t) => {
  const mail = await text((await formatPatch())[0]!);
  const as = (subject: string) => parseSeries([{ name: 'x.patch', text: mail.replace('[PATCH 1/3]', subject) }]);
  const cases: [string, number, number, number][] = [
    ['[PATCH]', 1, 1, 1],
    ['[PATCH v2]', 1, 1, 2],
    ['[RFC PATCH v3 1/1]', 1, 1, 3],
    ['[PATCH RESEND drm-misc-next 1/1]', 1, 1, 1],
    ['[Intel-gfx] [PATCH v4 01/01]', 1, 1, 4],
    ['[PATCH v2,1/1]', 1, 1, 2],
  ];
  for (const [subject, index, total, version] of cases) {
    const series = await as(subject);
    t.match(series.patches[0], { index, total, version, subject: 'drm/vgem: reject a fence attach without a handle' }, subject);
  }
  const patch2 = (await text((await formatPatch())[1]!)).replace('[PATCH 2/3]', '[PATCH]');
  t.match(patch2, /ret = dmabuf/, 'patch 2 has "=" in its diff');
  const mime = 'MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: quoted-printable\n\n';
  const [headers, ...body] = patch2.split('\n\n');
  const qp = await parseSeries([{ name: 'qp.patch', text: `${headers}\n${mime}${body.join('\n\n').replace(/=/g, '=3D')}` }]);
  t.equal(qp.patches[0]!.sha256, sha256(diffIn(patch2)), 'a quoted-printable mail hashes as its decoded diff');
});

t.test('files given without numbers are numbered in the order given', async (t) => {
  const paths = await formatPatch();
  const inputs = await Promise.all(paths.map(async (p, k) => ({ name: p, text: (await text(p)).replace(`[PATCH ${k + 1}/3]`, '[PATCH]') })));
  const series = await parseSeries([inputs[1]!, inputs[0]!]);
  t.same(
    series.patches.map((p) => [p.index, p.total, p.subject]),
    [
      [1, 2, 'dma-buf: trace mmap of an exported buffer'],
      [2, 2, 'drm/vgem: reject a fence attach without a handle'],
    ],
  );
});

t.test('bad input: KernelBuildError naming the file, the line and the mail', async (t) => {
  const [p1, p2, p3] = await formatPatch();
  const [cover, v1, v2p, v3] = await v2Files();
  const gap = join(fixtures, 'broken-gap.mbox');
  t.equal(
    await usageError(t, readSeries([gap])),
    `${gap}:32 ("[PATCH 3/3] dma-buf: rename selftest.h to selftests.h, drop the old sysfs stub"): patch 3/3 where 2/3 was expected (missing, or given out of order)`,
  );
  t.equal(
    await usageError(t, readSeries([p1!, p1!, p3!])),
    `${p1} ("[PATCH 1/3] drm/vgem: reject a fence attach without a handle"): duplicate patch 1/3, also ${p1} ("[PATCH 1/3] drm/vgem: reject a fence attach without a handle")`,
  );
  t.match(await usageError(t, readSeries([p2!, p1!, p3!])), `${p2} ("[PATCH 2/3] dma-buf: trace mmap of an exported buffer"): patch 2/3 where 1/3 was expected`);
  t.match(await usageError(t, readSeries([p1!, p2!])), `${p2} ("[PATCH 2/3] dma-buf: trace mmap of an exported buffer"): the series has 3 patches, 2 given (missing 3/3)`);
  t.match(await usageError(t, readSeries([p1!])), /the series has 3 patches, 1 given \(missing 2\/3 to 3\/3\)$/);

  const one = await text(p1!);
  const two = await text(p2!);
  const named = (name: string, s: string) => ({ name, text: s });
  t.equal(
    await usageError(t, parseSeries([named('1.patch', one), named('2.patch', two.replace('[PATCH 2/3]', '[PATCH 2/4]')), named('3.patch', await text(p3!))])),
    '2.patch ("[PATCH 2/4] dma-buf: trace mmap of an exported buffer"): says the series has 4 patches, 1.patch ("[PATCH 1/3] drm/vgem: reject a fence attach without a handle") says 3',
  );
  t.match(await usageError(t, parseSeries([named('c.patch', await text(cover!)), named('1.patch', one), named('2.patch', two), named('3.patch', await text(p3!))])), /^1\.patch .*: version 1, c\.patch .* is version 2$/);
  t.equal(
    await usageError(t, parseSeries([named('1.patch', one.slice(0, one.indexOf('diff --git')))])),
    '1.patch ("[PATCH 1/3] drm/vgem: reject a fence attach without a handle"): no diff in the patch (no line starting "diff --git")',
  );
  t.equal(
    await usageError(t, parseSeries([named('note.eml', 'From: someone@example.org\nSubject: lunch?\n\nDo we meet at noon?\n')])),
    'note.eml ("lunch?"): not a patch (no [PATCH] subject and no diff)',
  );
  t.equal(
    await usageError(t, parseSeries([named('plain.diff', 'diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n')])),
    'plain.diff: not a patch mail (no Subject: or From: header); give git format-patch output or an mbox',
  );
  t.match(await usageError(t, parseSeries([named('5.patch', one.replace('[PATCH 1/3]', '[PATCH 5/3]'))])), '5.patch ("[PATCH 5/3] drm/vgem: reject a fence attach without a handle"): patch 5/3 is past the end of its series');
  t.match(await usageError(t, parseSeries([named('a.patch', await text(cover!)), named('b.patch', await text(cover!))])), /^b\.patch .*: a second cover letter; the first is a\.patch/);
  t.match(await usageError(t, parseSeries([named('c.patch', await text(cover!))])), /^c\.patch .*: a cover letter and no patch$/);
  t.match(
    await usageError(t, parseSeries([named('1.patch', await text(v1!)), named('2.patch', (await text(v2p!)).replace('[PATCH v2 2/3]', '[PATCH v2]')), named('3.patch', await text(v3!))])),
    /^2\.patch .*: has no k\/n number, but 1\.patch .* has$/,
  );
  t.equal(await usageError(t, parseSeries([named('empty.patch', '\n\n')])), 'empty.patch: empty, not a patch');
  t.equal(await usageError(t, parseSeries([])), 'no patch given');
  t.equal(await usageError(t, readSeries([join(fixtures, 'nothing.patch')])), `${join(fixtures, 'nothing.patch')}: cannot read the patch (ENOENT)`);
  const dir = await mkdtemp(join(tmpdir(), 'primeci-series-'));
  await writeFile(join(dir, 'crlf.patch'), one.replace('[PATCH 1/3]', '[PATCH]').replace(/\n/g, '\r\n'));
  t.equal((await readSeries([join(dir, 'crlf.patch')])).patches[0]!.sha256, sha256(diffIn(one)), 'CRLF line ends hash as LF');
});
