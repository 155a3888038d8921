// The Patchwork REST client against a stand-in Patchwork on 127.0.0.1 that
// answers in Patchwork 3.1's shapes: a series with its patches and mbox URLs,
// the series and cover mboxes, and checks that need the token and answer 201.
// No message, outcome or output may hold the token or any 6 characters of it.
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { readSeries } from '../../kernel/series.ts';
import { patchworkUrls } from '../../reporters/patchwork/api-url.ts';
import { postChecks } from '../../reporters/patchwork/checks.ts';
import { redact } from '../../reporters/patchwork/http.ts';
import { postJson } from '../../reporters/patchwork/post.ts';
import { fetchSeries } from '../../reporters/patchwork/series.ts';

const root = new URL('../../', import.meta.url).pathname;
const series = join(root, 'test', 'fixtures', 'series');
const TOKEN = '3f9c1e07b5d4e2f8a6b0c9d1e3f5a7b9c2d4e6f1';

/** The first 6-character piece of the token in the text, if any. */
function leak(text: string): string | undefined {
  for (let i = 0; i + 6 <= TOKEN.length; i++) if (text.includes(TOKEN.slice(i, i + 6))) return TOKEN.slice(i, i + 6);
  return undefined;
}

interface Received {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}
type Answer = { status: number; body: string; headers?: Record<string, string> };
type Override = (req: Received, base: string) => Answer | undefined;

const MSGID = (sha: string) => `<${sha}.1796023569.git.ada@example.org>`;
const PATCHES = [
  { id: 13800102, name: '[v2,2/3] dma-buf: trace mmap of an exported buffer', msgid: MSGID('2abf2915a8d94edbc59f0cdf346e74cff79f115b') },
  { id: 13800101, name: '[v2,1/3] drm/vgem: reject a fence attach without a handle', msgid: MSGID('e22dbf7c59dbfa821253c14fbb606729e0d251c3') },
  { id: 13800103, name: '[v2,3/3] dma-buf: rename selftest.h to selftests.h, drop the old sysfs stub', msgid: MSGID('cc11e95218be82301e7386e81a06e0aa5b3cf182') },
];

/**
 * A stand-in Patchwork: /api and /api/1.2 prefixes, series 7 (its patches
 * listed in mail date order, here 2, 1, 3), the mboxes, and checks. `override`
 * answers first when it returns something.
 */
async function patchwork(t: Test, override: Override = () => undefined) {
  const seriesMbox = await readFile(join(series, 'patchwork-series.mbox'), 'utf8');
  const coverMbox = await readFile(join(series, 'v2', 'v2-0000-cover-letter.patch'), 'utf8');
  const received: Received[] = [];
  let checkId = 0;
  const answer = (r: Received, base: string): Answer => {
    const json = (status: number, value: unknown): Answer => ({ status, body: JSON.stringify(value), headers: { 'Content-Type': 'application/json' } });
    const api = /^\/api(?:\/1\.\d)?(\/.*)$/.exec(r.path)?.[1];
    if (r.method === 'GET' && api === '/series/7/') {
      return json(200, {
        id: 7,
        url: `${base}/api/series/7/`,
        web_url: `${base}/project/dri-devel/list/?series=7`,
        name: 'dma-buf, vgem: checks and tracing for buffer sharing',
        version: 2,
        total: 3,
        received_total: 3,
        received_all: true,
        mbox: `${base}/series/7/mbox/`,
        cover_letter: { id: 500, name: '[v2,0/3] dma-buf, vgem: checks and tracing for buffer sharing', msgid: '<cover.1796023569.git.ada@example.org>', mbox: `${base}/project/dri-devel/cover/500/mbox/` },
        patches: PATCHES.map((p) => ({ ...p, url: `${base}/api/patches/${p.id}/`, mbox: `${base}/project/dri-devel/patch/${p.id}/mbox/` })),
      });
    }
    if (r.method === 'GET' && r.path === '/series/7/mbox/') return { status: 200, body: seriesMbox, headers: { 'Content-Type': 'text/plain; charset=utf-8' } };
    if (r.method === 'GET' && r.path === '/project/dri-devel/cover/500/mbox/') return { status: 200, body: coverMbox };
    const check = /^\/patches\/(\d+)\/checks\/$/.exec(api ?? '');
    // A GET lists the checks: what a POST replayed after a redirect would get.
    if (check && r.method === 'GET') return json(200, []);
    if (check && r.method === 'POST') {
      if (r.authorization !== `Token ${TOKEN}`) return json(403, { detail: 'Invalid token.' });
      if (!PATCHES.some((p) => p.id === Number(check[1]))) return json(404, { detail: 'Not found.' });
      return json(201, { id: ++checkId, url: `${base}${r.path}${checkId}/`, patch: { id: Number(check[1]) }, user: { username: 'ci' }, date: '2026-11-30T08:00:00', ...(r.body as object) });
    }
    return json(404, { detail: 'Not found.' });
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let data = '';
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => {
      const r = { method: req.method!, path: req.url!, authorization: req.headers.authorization, body: data ? (JSON.parse(data) as unknown) : null };
      received.push(r);
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const a = override(r, base) ?? answer(r, base);
      res.writeHead(a.status, a.headers ?? {}).end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const messageOf = (promise: Promise<unknown>) =>
  promise.then(
    () => '(no error)',
    (e: Error) => e.message,
  );

t.test('URL forms: the instance root, /api and /api/1.2', async (t) => {
  t.same(patchworkUrls('https://pw.example', 'x'), { root: 'https://pw.example', api: 'https://pw.example/api' });
  t.same(patchworkUrls('https://pw.example/api/', 'x'), { root: 'https://pw.example', api: 'https://pw.example/api' });
  t.same(patchworkUrls('https://pw.example/api/1.2', 'x'), { root: 'https://pw.example', api: 'https://pw.example/api/1.2' });
  t.same(patchworkUrls('https://host.example/patchwork/api/1.3/', 'x'), { root: 'https://host.example/patchwork', api: 'https://host.example/patchwork/api/1.3' });
  t.equal(await messageOf(fetchSeries('pw.example', 7)), 'Patchwork URL "pw.example": not a URL');
  t.equal(await messageOf(fetchSeries('ftp://pw.example/', 7)), 'Patchwork URL ftp://pw.example/: not an http(s) URL');
  t.equal(await messageOf(fetchSeries(`https://ci:${TOKEN}@pw.example/api`, 7)), 'https://***:***@pw.example/api: credentials in the URL are not sent; use PATCHWORK_TOKEN or the config file');

  const pw = await patchwork(t);
  for (const [form, prefix] of [
    ['', '/api'],
    ['/', '/api'],
    ['/api', '/api'],
    ['/api/1.2/', '/api/1.2'],
  ] as const) {
    pw.received.length = 0;
    const fetched = await fetchSeries(`${pw.url}${form}`, 7);
    t.equal(fetched.patches.length, 3, `fetchSeries via ${form || '(root)'}`);
    const outcomes = await postChecks(`${pw.url}${form}`, TOKEN, [{ patchId: 13800101, state: 'success', description: 'ok' }], { context: 'primeci-kernel' });
    t.same(outcomes, [{ patchId: 13800101, state: 'success', url: `${pw.url}${prefix}/patches/13800101/checks/`, status: 201 }]);
    t.same(
      pw.received.map((r) => `${r.method} ${r.path}`),
      [`GET ${prefix}/series/7/`, 'GET /project/dri-devel/cover/500/mbox/', 'GET /series/7/mbox/', `POST ${prefix}/patches/13800101/checks/`],
    );
  }
});

t.test('fetchSeries: the series, its cover letter, each patch with its Patchwork id', async (t) => {
  const pw = await patchwork(t);
  const fetched = await fetchSeries(`${pw.url}/api/1.2`, 7);
  const local = await readSeries([join(series, 'v2', 'v2-0000-cover-letter.patch'), join(series, 'v2', 'v2-0001-drm-vgem-reject-a-fence-attach-without-a-handle.patch'), join(series, 'v2', 'v2-0002-dma-buf-trace-mmap-of-an-exported-buffer.patch'), join(series, 'v2', 'v2-0003-dma-buf-rename-selftest.h-to-selftests.h-drop-the.patch')]);
  t.match(fetched, { id: 7, name: 'dma-buf, vgem: checks and tracing for buffer sharing', version: 2, url: `${pw.url}/project/dri-devel/list/?series=7` });
  t.equal(fetched.cover?.subject, 'dma-buf, vgem: checks and tracing for buffer sharing');
  t.same(
    fetched.patches.map((p) => [p.patchId, p.index, p.total, p.subject, p.sha256]),
    local.patches.map((p, k) => [13800101 + k, p.index, 3, p.subject, p.sha256]),
    'paired by Message-ID although the API lists them in another order',
  );
  t.equal(fetched.patches[2]!.author, 'Bob Reviewer <bob@example.com>');
  t.match(fetched.patches[0]!.source, `${pw.url}/series/7/mbox/:1`);
  t.ok(pw.received.every((r) => r.authorization === undefined), 'GETs carry no token');
});

t.test('fetchSeries: answers that are not a usable series', async (t) => {
  let mode = '';
  const pw = await patchwork(t, (r, base): Answer | undefined => {
    if (mode === 'renamed' && r.path === '/api/series/7/') {
      return { status: 200, body: JSON.stringify({ id: 7, url: '', name: 's', version: 1, mbox: `${base}/series/7/mbox/`, cover_letter: null, patches: PATCHES.map((p, k) => ({ ...p, name: k === 1 ? '[v2,1/3] drm/vgem: something else' : p.name, mbox: '' })) }) };
    }
    if (mode === 'incomplete' && r.path === '/api/series/7/') {
      return { status: 200, body: JSON.stringify({ id: 7, url: '', name: 's', version: 1, total: 3, received_total: 2, received_all: false, mbox: '', cover_letter: null, patches: [] }) };
    }
    if (mode === 'login' && r.path === '/api/series/7/') return { status: 200, body: '<!DOCTYPE html><html><head><title>Log in</title></head></html>', headers: { 'Content-Type': 'text/html' } };
    if (mode === 'shape' && r.path === '/api/series/7/') return { status: 200, body: JSON.stringify({ id: '7', patches: 'none' }) };
    if (mode === 'mbox500' && r.path === '/series/7/mbox/') {
      return { status: 500, body: '<!DOCTYPE html>\n<html><head><title>OperationalError at /series/7/mbox/</title></head><body>' + 'x'.repeat(2000) + '</body></html>', headers: { 'Content-Type': 'text/html; charset=utf-8' } };
    }
    if (mode === 'moved' && r.path === '/api/series/7/') return { status: 301, body: '', headers: { Location: `${base}/api/1.2/series/7/` } };
    return undefined;
  });
  t.equal(await messageOf(fetchSeries(pw.url, 8)), `GET ${pw.url}/api/series/8/: HTTP 404 Not Found: {"detail":"Not found."}: no series 8 on this Patchwork (is the URL the instance or its /api root?)`);
  mode = 'renamed';
  t.equal(
    await messageOf(fetchSeries(pw.url, 7)),
    `${pw.url}/api/series/7/: patch 13800101 is "[v2,1/3] drm/vgem: something else", but patch 1/3 of ${pw.url}/series/7/mbox/ is "[PATCH v2 1/3] drm/vgem: reject a fence attach without a handle"`,
  );
  mode = 'incomplete';
  t.equal(await messageOf(fetchSeries(pw.url, 7)), `${pw.url}/api/series/7/: series 7 is incomplete on Patchwork (2 of 3 patches received)`);
  mode = 'login';
  t.equal(await messageOf(fetchSeries(pw.url, 7)), `GET ${pw.url}/api/series/7/: not JSON; is ${pw.url} a Patchwork instance?`);
  mode = 'shape';
  t.match(await messageOf(fetchSeries(pw.url, 7)), new RegExp(`^GET ${pw.url}/api/series/7/: not a Patchwork series\n  at id: `));
  mode = 'mbox500';
  t.equal(await messageOf(fetchSeries(pw.url, 7)), `GET ${pw.url}/series/7/mbox/: HTTP 500 Internal Server Error (page title: "OperationalError at /series/7/mbox/")`);
  mode = 'moved';
  const moved = await fetchSeries(pw.url, 7);
  t.equal(moved.patches.length, 3, 'a GET follows a redirect (it carries no token)');
  t.same(pw.received.slice(-4, -2).map((r) => r.path), ['/api/series/7/', '/api/1.2/series/7/']);
});

t.test('postChecks: one check per patch, with the token, each reported', async (t) => {
  const pw = await patchwork(t);
  const checks = [
    { patchId: 13800101, state: 'success' as const, description: 'no change from linux-6.1' },
    { patchId: 13800102, state: 'fail' as const, description: 'first bad patch: igt@prime_vgem@sync@rcs0 PASS -> INCOMPLETE' },
    { patchId: 99, state: 'fail' as const, description: 'unknown patch' },
    { patchId: 13800103, state: 'fail' as const, description: 'still broken' },
  ];
  const outcomes = await postChecks(`${pw.url}/api/1.2`, TOKEN, checks, { context: 'primeci-kernel', targetUrl: 'https://ci.example/7' });
  t.same(outcomes, [
    { patchId: 13800101, state: 'success', url: `${pw.url}/api/1.2/patches/13800101/checks/`, status: 201 },
    { patchId: 13800102, state: 'fail', url: `${pw.url}/api/1.2/patches/13800102/checks/`, status: 201 },
    {
      patchId: 99,
      state: 'fail',
      url: `${pw.url}/api/1.2/patches/99/checks/`,
      error: `POST ${pw.url}/api/1.2/patches/99/checks/: HTTP 404 Not Found: {"detail":"Not found."}: no such patch or series on this Patchwork (is the URL the instance or its /api root?)`,
    },
    { patchId: 13800103, state: 'fail', url: `${pw.url}/api/1.2/patches/13800103/checks/`, status: 201 },
  ]);
  t.same(
    pw.received.map((r) => [r.method, r.path, r.authorization, r.body]),
    checks.map((c) => ['POST', `/api/1.2/patches/${c.patchId}/checks/`, `Token ${TOKEN}`, { state: c.state, context: 'primeci-kernel', description: c.description, target_url: 'https://ci.example/7' }]),
  );
  await t.rejects(postChecks(pw.url, TOKEN, checks, { context: 'Fi.CI.BAT' }), { message: /--context "Fi\.CI\.BAT": Patchwork wants letters/ });
  await t.rejects(postChecks(pw.url, TOKEN, [{ patchId: 1, state: 'failure' as 'fail', description: '' }], { context: 'x' }), { message: 'patch 1: check state "failure" is not one of pending, success, warning, fail' });
  await t.rejects(postChecks(pw.url, TOKEN, [{ patchId: 0, state: 'fail', description: '' }], { context: 'x' }), { message: 'patch id 0: expected a whole number ≥ 1' });
  t.equal(pw.received.length, 4, 'bad arguments send nothing');
});

t.test('refused, missing, moved and broken: clear messages, never the token', async (t) => {
  const echo = (r: Received) => `Authorization: ${r.authorization}`;
  let mode = '';
  const pw = await patchwork(t, (r, base): Answer | undefined => {
    if (r.method !== 'POST') return undefined;
    if (mode === 'moved') return { status: 301, body: '<h1>Moved</h1>', headers: { Location: `${base.replace('http:', 'https:')}${r.path}` } };
    if (mode === 'found') return { status: 302, body: '', headers: { Location: '/accounts/login/?next=/api/patches/13800101/checks/' } };
    if (mode === 'ok200') return { status: 200, body: '[]', headers: { 'Content-Type': 'application/json' } };
    if (mode === 'html500') {
      const page = `<!DOCTYPE html><html lang="en"><head><title>KeyError at /api/patches/13800101/checks/</title></head><body><table><tr><td>HTTP_AUTHORIZATION</td><td>'${r.authorization}'</td></tr></table>${'<p>frame</p>'.repeat(80)}</body></html>`;
      return { status: 500, body: page, headers: { 'Content-Type': 'text/html' } };
    }
    // The token starts before the 500th character of the body and ends after it.
    if (mode === 'straddle') return { status: 400, body: `${'e'.repeat(500 - echo(r).length + 20)}${echo(r)} was sent; ${'y'.repeat(100)}`, headers: { 'Content-Type': 'text/plain' } };
    if (mode === 'truncated') return { status: 400, body: `{"detail":"bad header ${echo(r).slice(0, 40)}"}`, headers: { 'Content-Type': 'application/json' } };
    return undefined;
  });
  const post = async (token = TOKEN) => {
    const [outcome] = await postChecks(pw.url, token, [{ patchId: 13800101, state: 'fail', description: 'x' }], { context: 'primeci' });
    return 'error' in outcome! ? outcome.error : `posted (HTTP ${outcome!.status})`;
  };
  const checksUrl = `${pw.url}/api/patches/13800101/checks/`;
  const messages: string[] = [];
  const expect = async (name: string, token: string, wanted: string | RegExp) => {
    const message = await post(token);
    messages.push(message);
    t.match(message, wanted, name);
  };

  await expect('403 bad token', 'wrong-token-0000', `POST ${checksUrl}: HTTP 403 Forbidden: {"detail":"Invalid token."}: the token was refused, or its user does not maintain the patch's project`);
  mode = 'moved';
  const before = pw.received.length;
  await expect('301 is not followed', TOKEN, `POST ${checksUrl}: HTTP 301 Moved Permanently to ${checksUrl.replace('http:', 'https:')}: not followed (a redirected POST is replayed as a GET and creates nothing); post to the URL it names`);
  t.same(pw.received.slice(before).map((r) => r.method), ['POST'], 'no GET replayed after the 301');
  mode = 'found';
  await expect('302 names its Location', TOKEN, `POST ${checksUrl}: HTTP 302 Found to ${pw.url}/accounts/login/?next=/api/patches/13800101/checks/: not followed`);
  mode = 'ok200';
  await expect('200 is not a created check', TOKEN, `POST ${checksUrl}: HTTP 200 OK, where Patchwork answers 201 Created for a new check: nothing was created`);
  mode = 'html500';
  await expect('500 by its page title', TOKEN, `POST ${checksUrl}: HTTP 500 Internal Server Error (page title: "KeyError at /api/patches/13800101/checks/")`);
  t.notMatch(messages.at(-1)!, /<|frame/, 'no HTML printed');
  mode = 'straddle';
  const body = `${'e'.repeat(500 - `Authorization: Token ${TOKEN}`.length + 20)}Authorization: Token ${TOKEN}`;
  t.ok(leak(body.slice(0, 500)), 'cutting this body at 500 before redacting would print a piece of the token');
  await expect('redacted before it is cut', TOKEN, /^POST .*: HTTP 400 Bad Request: e{459}Authorization: Token <token> was sent; y+…$/);
  mode = 'truncated';
  await expect('a piece of the token echoed by the server', TOKEN, `HTTP 400 Bad Request: {"detail":"bad header Authorization: Token <token>"}`);

  t.equal(redact(`a ${TOKEN} b ${TOKEN.slice(5, 17)} c ${TOKEN.slice(0, 5)}`, TOKEN), `a <token> b <token> c ${TOKEN.slice(0, 5)}`, 'pieces of six or more characters go');
  const direct = await messageOf(postJson(`${pw.url}/api/patches/13800101/checks/`, {}, TOKEN, { created: true }));
  messages.push(direct);
  for (const message of messages) t.equal(leak(message), undefined, `no piece of the token in: ${message.slice(0, 80)}`);
});

t.test('primeci patchwork --post: a redirect is an error, not "posted (HTTP 200)"', async (t) => {
  const pw = await patchwork(t, (r, base): Answer | undefined => (r.method === 'POST' && r.path.startsWith('/api/patches/') ? { status: 301, body: '', headers: { Location: `${base}/api/1.2${r.path.slice(4)}` } } : undefined));
  const run = (url: string) =>
    execa('node', ['bin/primeci.js', 'patchwork', join(root, 'test', 'fixtures', 'results', 'base'), '--context', 'primeci', '--post', url, '--patch-id', '13800101'], {
      cwd: root,
      reject: false,
      env: { PATCHWORK_TOKEN: TOKEN },
    });
  const moved = await run(pw.url);
  t.equal(moved.exitCode, 2);
  t.equal(moved.stdout, '');
  t.match(moved.stderr, `primeci patchwork: POST ${pw.url}/api/patches/13800101/checks/: HTTP 301 Moved Permanently to ${pw.url}/api/1.2/patches/13800101/checks/: not followed`);
  const posted = await run(`${pw.url}/api/1.2/`);
  t.equal(posted.exitCode, 0, posted.stderr);
  t.equal(posted.stdout, `posted success "primeci" to ${pw.url}/api/1.2/patches/13800101/checks/ (HTTP 201)`);
  t.same(
    pw.received.map((r) => `${r.method} ${r.path}`),
    ['POST /api/patches/13800101/checks/', 'POST /api/1.2/patches/13800101/checks/'],
  );
  t.equal(leak(moved.stdout + moved.stderr + posted.stdout + posted.stderr), undefined);
});
