// primeci ci --native refuses bad input before it builds anything: flags that
// need --native, a Patchwork that answers 404 or 500 for the series, a patch
// file that is no patch. Exit 2, a message naming the flag, file or URL, and
// never the token.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { primeci } from './native.ts';
import { standInPatchwork, tokenLeak, TOKEN } from './patchwork-stub.ts';

const env = { ...process.env, PATCHWORK_TOKEN: TOKEN };
const scratch = mkdtempSync(join(tmpdir(), 'primeci-ci-args-'));

t.test('flags for real kernels need --native', async (t) => {
  const ran = await primeci(['ci', '--base', 'linux-6.2', '--patch', 'drm-shmem-resv-lock', '--lockdep']);
  t.equal(ran.code, 2);
  t.match(ran.stderr, /--lockdep is for real kernels: add --native/);
});

t.test('the patches of a native check, and what is wrong with them', async (t) => {
  const none = await primeci(['ci', '--native']);
  t.equal(none.code, 2);
  t.match(none.stderr, /give the patches \(--patch FILE\.\.\., --series FILE\.mbox, or --patchwork URL --series-id N\)/);
  const bogus = join(scratch, 'bogus.patch');
  writeFileSync(bogus, 'this is not a patch\n');
  const bad = await primeci(['ci', '--native', '--patch', bogus]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, new RegExp(`${bogus.replace(/[.]/g, '\\.')}`), 'the message names the file');
  const noId = await primeci(['ci', '--native', '--patchwork', 'http://127.0.0.1:9']);
  t.equal(noId.code, 2);
  t.match(noId.stderr, /--patchwork URL needs --series-id N/);
});

t.test('a Patchwork that answers 404 or 500 for the series stops the check before any build', async (t) => {
  const pw = await standInPatchwork(t, (_method, path) =>
    path.endsWith('/series/404/') ? { status: 404, body: '{"detail":"Not found."}' }
    : path.endsWith('/series/500/') ? { status: 500, body: `<html><head><title>Server Error (500)</title></head><body>${TOKEN}</body></html>`, type: 'text/html' }
    : undefined,
  );
  const missing = await primeci(['ci', '--native', '--patchwork', pw.url, '--series-id', '404'], env);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /\/api\/series\/404\//, 'the message names the URL');
  const broken = await primeci(['ci', '--native', '--patchwork', `${pw.url}/api/1.2`, '--series-id', '500'], env);
  t.equal(broken.code, 2);
  t.match(broken.stderr, /500[^\n]*Server Error \(500\)/, 'a 500 page is shown by its status and title');
  t.notOk(tokenLeak(missing.stderr + broken.stderr + missing.stdout + broken.stdout), 'never the token');
});
